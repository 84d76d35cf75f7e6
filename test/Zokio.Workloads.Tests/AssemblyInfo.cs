// The "Zokio" meter sums over every event-loop group in the process, and the database tests share one PostgreSQL:
// one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
