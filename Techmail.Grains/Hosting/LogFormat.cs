namespace Techmail.Hosting;

/// <summary>How the silo writes its log (<c>Techmail:LogFormat</c>).</summary>
public enum LogFormat
{
    /// <summary>One line per event for people reading a terminal or journal.</summary>
    Text,

    /// <summary>One JSON object per line, with the trace id, for log shippers.</summary>
    Json,
}
