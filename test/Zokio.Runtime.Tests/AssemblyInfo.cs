// Loop tests start threads and rings; running classes one at a time keeps fd counting exact and the 2-core CI calm.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
