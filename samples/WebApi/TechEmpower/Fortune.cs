namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>A row of TechEmpower's Fortune table.</summary>
public readonly record struct Fortune(int Id, string Message);
