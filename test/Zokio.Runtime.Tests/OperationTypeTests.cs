using System.Runtime.CompilerServices;
using Zokio.Runtime.Io;
using Zokio.Runtime.IoUring;

namespace Zokio.Runtime.Tests;

/// <summary>Every operation type declares what each backend needs of it.</summary>
public class OperationTypeTests
{
    public static TheoryData<Type> OperationTypes() => [.. ConcreteOperationTypes()];

    [Fact]
    public void The_operation_types_are_sealed_and_in_the_operations_namespace()
    {
        Type[] types = ConcreteOperationTypes();
        Assert.True(types.Length >= 12, $"Only {types.Length} operation types found.");
        Assert.All(types, type =>
        {
            Assert.True(type.IsSealed, $"{type.Name} is not sealed.");
            Assert.Equal("Zokio.Runtime.Io.Operations", type.Namespace);
        });
    }

    [Theory, MemberData(nameof(OperationTypes))]
    public void Each_operation_type_submits_an_opcode_of_the_probed_table(Type type)
    {
        // The opcode is a constant of the type; an object without its constructor run is enough to read it.
        IoOperation operation = (IoOperation)RuntimeHelpers.GetUninitializedObject(type);
        Assert.True(IoUringOpcodes.IsKnown(operation.Opcode), $"{type.Name} submits opcode {operation.Opcode}, which IoUringOpcodes does not list (so it is never probed).");
    }

    [Fact]
    public void The_opcode_table_names_each_opcode_once()
    {
        IoUringOpcodes.Entry[] entries = IoUringOpcodes.All.ToArray();
        Assert.Equal(entries.Length, entries.Select(e => e.Opcode).Distinct().Count());
        Assert.Equal(entries.Length, entries.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public void Missing_required_opcodes_are_named()
    {
        bool[] supported = new bool[256];
        foreach (IoUringOpcodes.Entry entry in IoUringOpcodes.All)
        {
            supported[entry.Opcode] = entry.Name != "RECV";
        }

        Assert.Equal(["RECV"], IoUringOpcodes.MissingRequired(supported));
    }

    private static Type[] ConcreteOperationTypes() =>
        [.. typeof(IoOperation).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(IoOperation)) && !t.IsAbstract)];
}
