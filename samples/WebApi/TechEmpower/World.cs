namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>A row of TechEmpower's World table, serialized as <c>{"id":…,"randomNumber":…}</c>.</summary>
public readonly record struct World(int Id, int RandomNumber);
