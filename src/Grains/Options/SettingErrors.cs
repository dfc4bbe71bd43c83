using Microsoft.Extensions.Options;

namespace Delineate.Grains.Options;

/// <summary>Collects setting errors, each naming its variable.</summary>
public sealed class SettingErrors
{
    private readonly List<string> _errors = [];

    public void Add(string message) => _errors.Add(message);

    public void Range(string variable, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            _errors.Add($"{variable} must be between {min} and {max} (was {value}).");
        }
    }

    public ValidateOptionsResult ToResult() =>
        _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
