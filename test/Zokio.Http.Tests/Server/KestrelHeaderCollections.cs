using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Kestrel's own request and response header collections (internal to Kestrel, created through reflection): the
/// reference the server's collections are compared with, operation by operation.
/// </summary>
internal static class KestrelHeaderCollections
{
    public static IHeaderDictionary CreateRequestHeaders() => Create("HttpRequestHeaders");

    public static IHeaderDictionary CreateResponseHeaders() => Create("HttpResponseHeaders");

    /// <summary>Makes Kestrel's response headers read-only, as Kestrel does when the response starts.</summary>
    public static void SetReadOnly(IHeaderDictionary headers) =>
        headers.GetType().GetMethod("SetReadOnly", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(headers, null);

    private static IHeaderDictionary Create(string name)
    {
        Type type = typeof(KestrelServerOptions).Assembly.GetType("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http." + name, throwOnError: true)!;
        ConstructorInfo constructor = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Single();
        // Every parameter has a default (value reuse off, no encoding selector).
        object?[] arguments = [.. constructor.GetParameters().Select(parameter => parameter.DefaultValue)];
        return (IHeaderDictionary)constructor.Invoke(arguments);
    }
}
