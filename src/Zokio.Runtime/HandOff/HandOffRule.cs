namespace Zokio.Runtime.HandOff;

/// <summary>
/// What happens to an in-flight operation when a blocked loop's I/O moves to a successor thread with a ring of its own
/// (see <see cref="IoMigration"/>). Each operation type declares its own (<see cref="Io.IoOperation.HandOffRule"/>).
/// </summary>
internal enum HandOffRule : byte
{
    /// <summary>
    /// It stays on the blocked ring until that ring's drain cancels it, and is submitted again on the successor when the
    /// cancel wins (it did nothing). For operations that consume or produce something (bytes, a connection, an fd),
    /// which must never be pending on two rings at once.
    /// </summary>
    Drain,

    /// <summary>A readiness wait: it consumes nothing, so the successor re-issues it at once and the old copy goes stale.</summary>
    Reissue,

    /// <summary>
    /// A multishot receive: re-issued at once unless the blocked ring holds a completion of it nobody reaped (those
    /// bytes came first, so it then stays until the drain forwards them, in order).
    /// </summary>
    ReissueUnlessCompletionPending,
}
