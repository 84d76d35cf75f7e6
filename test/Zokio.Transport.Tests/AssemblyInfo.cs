// Tests count fds and pool blocks process-wide; one class at a time keeps those counts exact on a 2-core CI.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
