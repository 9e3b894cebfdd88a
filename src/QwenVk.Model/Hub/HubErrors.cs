using System.Net;

namespace QwenVk.Model.Hub;

/// <summary>The messages for everything that can go wrong while fetching a repo, each saying what to do about it.</summary>
sealed class HubErrors(RepoId repo, HubSettings settings, string userArgument)
{
    string LocalFolderHint =>
        "To use a model that is already on disk, give its folder instead (a folder holding " +
        "config.json, the *.safetensors weights and tokenizer.json); or set HF_ENDPOINT to a hub or mirror that can be " +
        "reached, or HF_HUB_CACHE to the cache folder that holds the model.";

    string NotCached => $"{repo}: not (completely) in the local Hugging Face cache ({settings.CacheDir})";

    string TokenAdvice => settings.Token is null
        ? "no access token was sent: set HF_TOKEN to a token (huggingface.co/settings/tokens) of an account with access"
        : "the access token sent (HF_TOKEN or the saved login) was not accepted for it: use a token of an account that has access";

    public HubUnreachableException Unreachable(string reason, Exception inner) =>
        new($"{NotCached}, and the hub at {settings.Endpoint} could not be reached ({reason}). {LocalFolderHint}", inner);

    public HubUnreachableException Offline() =>
        new($"{NotCached}, and offline mode is on (HF_HUB_OFFLINE), so the hub was not asked. {LocalFolderHint}");

    public HubException Status(HttpResponseMessage response, string file, Uri url)
    {
        int code = (int)response.StatusCode;
        string? errorCode = response.Headers.TryGetValues("X-Error-Code", out var v) ? v.FirstOrDefault() : null;
        string gated = $"{repo.Id}: access to {file} is forbidden (HTTP {code}): the model is gated or private and {TokenAdvice}. Request access at {settings.Endpoint}/{repo.Id}.";
        string message = errorCode switch
        {
            "RepoNotFound" =>
                $"{repo.Id}: repository not found on the hub at {settings.Endpoint} (HTTP {code}); check the repo id (owner/name){NoSuchFolder}. If it is private, {TokenAdvice}.",
            "RevisionNotFound" =>
                $"{repo.Id}: revision '{repo.Revision}' not found (HTTP {code}); use an existing branch, tag or commit after '@'.",
            "GatedRepo" => gated,
            _ => response.StatusCode switch
            {
                HttpStatusCode.Unauthorized =>
                    $"{repo.Id}: the hub answered 401 Unauthorized for {file}: the repository does not exist{NoSuchFolder}, or it is private or gated and {TokenAdvice}.",
                HttpStatusCode.Forbidden => gated,
                HttpStatusCode.NotFound =>
                    $"{repo}: required file {file} not found in the repository (HTTP 404 for {url}); is it a Qwen model repo with safetensors weights and tokenizer.json?",
                _ => $"{repo}: the hub answered HTTP {code} {response.ReasonPhrase} for {file} ({url}); try again later.",
            },
        };
        return new HubException(message, code);
    }

    public HubException NoWeights() =>
        new($"{repo}: neither model.safetensors nor model.safetensors.index.json is in the repository (HTTP 404 for both); QwenVk reads safetensors weights only.", 404);

    public HubException BadHeader(string file, string what) =>
        new($"{repo}: the answer for {file} from {settings.Endpoint} {what}; is HF_ENDPOINT a Hugging Face hub?");

    public IOException Interrupted(string file, long done, long? total, Exception inner) =>
        new($"{repo}: the download of {file} broke off after {done} of {total?.ToString() ?? "?"} bytes, {settings.Options.MaxAttempts} tries ({inner.Message}); run the same command again to resume from there.", inner);

    public InvalidDataException ChecksumMismatch(string file, string expected, string actual) =>
        new($"{repo}: downloaded {file} has SHA-256 {actual}, but the hub says it should be {expected}; the partial download was deleted. Run again to retry; if it repeats, the hub or mirror at {settings.Endpoint} serves damaged data.");

    public InvalidDataException SizeMismatch(string file, long expected, long actual) =>
        new($"{repo}: downloaded {file} is {actual} bytes, but the hub said {expected}; the partial download was deleted. Run again to retry.");

    string NoSuchFolder => $" (and no local folder '{userArgument}' exists)";
}
