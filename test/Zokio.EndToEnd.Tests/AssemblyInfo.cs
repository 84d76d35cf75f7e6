// These tests start whole processes (the sample, a browser, dotnet builds, containers): one at a time on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
