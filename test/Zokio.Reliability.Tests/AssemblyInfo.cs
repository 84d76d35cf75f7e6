// Tests read process-wide counts (the "Zokio" meter, open descriptors, RSS) and load the machine on purpose: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
