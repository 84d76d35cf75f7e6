using Zokio.Runtime.Files;
using Zokio.Runtime.Loops;

// Runtime only (no ASP.NET): copy a file through a loop's ring, yielding to the loop's other work between chunks.
public static class FileCopy
{
    public static async Task<long> CopyAsync(string source, string destination, LoopBackendKind backend = LoopBackendKind.Auto)
    {
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 2, Backend = backend });
        return await group.Spawn(async () =>
        {
            // On a loop thread, ZokioFile uses that loop (EventLoop.Current).
            await using ZokioFile input = await ZokioFile.OpenAsync(source, FileMode.Open, FileAccess.Read);
            await using ZokioFile output = await ZokioFile.OpenAsync(destination, FileMode.Create, FileAccess.Write);
            byte[] buffer = new byte[64 * 1024];
            long copied = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, copied)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), copied);
                copied += read;
                await EventLoop.Yield();
            }

            await output.FlushAsync(); // fsync
            return copied;
        });
    }
}
