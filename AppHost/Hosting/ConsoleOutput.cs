namespace AppHost.Hosting;

/// <summary>One console shared by all resources; every line is prefixed with the resource that wrote it.</summary>
public sealed class ConsoleOutput
{
    static readonly ConsoleColor[] Palette = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan];
    readonly Lock _lock = new();
    readonly Dictionary<string, ConsoleColor> _colors = [];
    readonly bool _color = !Console.IsOutputRedirected;

    public void Write(string resource, string line)
    {
        lock (_lock)
        {
            if (_color)
            {
                if (!_colors.TryGetValue(resource, out var color)) _colors[resource] = color = Palette[_colors.Count % Palette.Length];
                Console.ForegroundColor = color;
                Console.Write($"[{resource}] ");
                Console.ResetColor();
                Console.WriteLine(line);
            }
            else
            {
                Console.WriteLine($"[{resource}] {line}");
            }
        }
    }

    public void Info(string line) => Write("apphost", line);
}
