using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>The test app's MVC controller: attribute routes, binding from route, query, body and form, and <c>[ApiController]</c> validation.</summary>
[ApiController]
[Route("mvc/items")]
public sealed class ItemsController : ControllerBase
{
    public sealed record ItemView(int Id, string Name, string Format);

    public sealed class ItemInput
    {
        [Required, StringLength(20)]
        public string? Name { get; set; }

        [Range(1, 100)]
        public int Quantity { get; set; }
    }

    public sealed class UploadInput
    {
        [Required]
        public string? Description { get; set; }

        [Required]
        public IFormFile? File { get; set; }
    }

    [HttpGet("{id:int}")]
    public ActionResult<ItemView> Get(int id, [FromQuery] string format = "short") =>
        id == 0 ? NotFound() : new ItemView(id, $"item {id}", format);

    [HttpPost]
    public ActionResult<ItemInput> Create([FromBody] ItemInput input) =>
        CreatedAtAction(nameof(Get), new { id = input.Quantity }, input);

    [HttpPost("form")]
    public ActionResult<ItemInput> CreateFromForm([FromForm] ItemInput input) => input;

    [HttpPost("upload")]
    public async Task<ActionResult<string>> Upload([FromForm] UploadInput input)
    {
        await using Stream content = input.File!.OpenReadStream();
        byte[] hash = await SHA256.HashDataAsync(content, HttpContext.RequestAborted);
        return $"{input.Description}: {input.File.FileName} {input.File.ContentType} {input.File.Length} {Convert.ToHexString(hash)}";
    }

    [Authorize]
    [HttpGet("secure")]
    public string Secure() => $"mvc {User.Identity!.Name}";
}
