namespace Techmail.Security.KeyRing;

/// <summary>
/// The key ring cannot be opened or sealed as configured: a missing or unreadable key file, or an entry sealed with a
/// key file the silo was not given. The message says which file or setting to fix; the silo refuses to start on it.
/// </summary>
public sealed class KeyRingException(string message) : Exception(message);
