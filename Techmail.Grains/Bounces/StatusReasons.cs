using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>
/// What an RFC 3463 enhanced status code (and the registered extensions in the IANA registry) says about
/// the cause. Only codes whose meaning is specific enough to name a cause are mapped.
/// </summary>
internal static class StatusReasons
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BounceReason? FromStatus(string? status)
    {
        if (status is null || status.Length < 5) return null;
        var firstDot = status.IndexOf('.');
        var secondDot = status.IndexOf('.', firstDot + 1);
        if (firstDot != 1 || secondDot < 0) return null;
        if (status[0] == '2') return BounceReason.Delivered;
        var subject = status.AsSpan(2, secondDot - 2);
        var detail = status.AsSpan(secondDot + 1);
        return subject switch
        {
            "1" => detail switch
            {
                "1" => BounceReason.UserUnknown,
                "2" => BounceReason.HostUnknown,
                "3" => BounceReason.UserUnknown,
                "4" => BounceReason.UserUnknown,
                "6" => BounceReason.HasMoved,
                "7" or "8" => BounceReason.Rejected,
                "10" => BounceReason.NotAccept,
                _ => null,
            },
            "2" => detail switch
            {
                "1" => BounceReason.Suspend,
                "2" => BounceReason.MailboxFull,
                "3" => BounceReason.ExceedLimit,
                "4" => BounceReason.MailerError,
                _ => null,
            },
            "3" => detail switch
            {
                "1" => BounceReason.SystemFull,
                "2" => BounceReason.NotAccept,
                "3" or "5" => BounceReason.SystemError,
                "4" => BounceReason.MesgTooBig,
                _ => null,
            },
            "4" => detail switch
            {
                // X.4.1 "no answer from host": retried until the queue gave up when it is temporary. Permanent, it is
                // what Microsoft 365 returns for directory-rejected recipients, so it names no cause.
                "1" => status[0] == '4' ? BounceReason.Expired : null,
                "2" or "6" or "0" => BounceReason.NetworkError,
                "3" => BounceReason.SystemError,
                "4" => BounceReason.HostUnknown,
                "5" => BounceReason.TooManyConn,
                "7" => BounceReason.Expired,
                _ => null,
            },
            "5" => detail switch
            {
                "1" or "2" or "4" or "5" => BounceReason.SyntaxError,
                "3" => BounceReason.TooManyConn,
                _ => null,
            },
            "6" => BounceReason.ContentError,
            "7" => detail switch
            {
                "0" => BounceReason.SecurityError,
                "1" => null, // "not authorized" says only that someone refused
                "2" => BounceReason.Filtered,
                "3" or "4" or "5" or "6" or "7" or "8" or "12" or "14" => BounceReason.SecurityError,
                "9" => BounceReason.SecurityError,
                "10" or "11" or "30" => BounceReason.FailedStartTls,
                "13" => BounceReason.Suspend,
                "15" or "16" => BounceReason.PolicyViolation,
                "17" or "18" => BounceReason.HasMoved,
                "19" => BounceReason.Rejected,
                "20" or "21" or "22" or "23" or "24" or "26" or "29" => BounceReason.AuthFailure,
                "25" => BounceReason.RequirePtr,
                "27" => BounceReason.NotAccept,
                "28" => BounceReason.Speeding,
                // Microsoft 365's extended 5.7.5xx-7xx codes.
                "509" or "510" or "511" or "515" => BounceReason.AuthFailure,
                "650" or "651" => BounceReason.BadReputation,
                _ when detail.Length == 3 && detail[0] == '6' => BounceReason.Blocked,
                _ when detail.Length == 3 && detail[0] == '7' => BounceReason.SecurityError,
                _ => null,
            },
            _ => null,
        };
    }

    /// <summary>A status to report when the message gave none, implied by the cause we found.</summary>
    public static string? DefaultStatus(BounceReason reason, char @class) => reason switch
    {
        BounceReason.Delivered => "2.0.0",
        BounceReason.UserUnknown => $"{@class}.1.1",
        BounceReason.HostUnknown => $"{@class}.1.2",
        BounceReason.HasMoved => $"{@class}.1.6",
        BounceReason.Rejected => $"{@class}.1.8",
        BounceReason.Suspend => $"{@class}.2.1",
        BounceReason.MailboxFull => $"{@class}.2.2",
        BounceReason.ExceedLimit => $"{@class}.2.3",
        BounceReason.SystemFull => $"{@class}.3.1",
        BounceReason.NotAccept => $"{@class}.3.2",
        BounceReason.MesgTooBig => $"{@class}.3.4",
        BounceReason.SystemError => $"{@class}.3.0",
        BounceReason.NetworkError => $"{@class}.4.0",
        BounceReason.Expired => $"{@class}.4.7",
        BounceReason.TooManyConn => $"{@class}.4.5",
        BounceReason.SyntaxError => $"{@class}.5.2",
        BounceReason.ContentError => $"{@class}.6.0",
        BounceReason.NotCompliantRfc => $"{@class}.6.0",
        BounceReason.FailedStartTls => $"{@class}.7.10",
        BounceReason.AuthFailure => $"{@class}.7.26",
        BounceReason.RequirePtr => $"{@class}.7.25",
        BounceReason.SecurityError => $"{@class}.7.0",
        BounceReason.Blocked or BounceReason.SpamDetected or BounceReason.VirusDetected or BounceReason.PolicyViolation
            or BounceReason.NoRelaying or BounceReason.BadReputation or BounceReason.Filtered => $"{@class}.7.1",
        _ => $"{@class}.0.0",
    };
}
