using System.Globalization;
using System.Text;

namespace TemporalServer.Visibility;

/// <summary>
/// Parses Temporal's list-filter language, the SQL-like subset the Web UI and SDKs send: backticked or bare
/// identifiers, <c>= != &lt;&gt; &gt; &lt; &gt;= &lt;=</c>, <c>[NOT] BETWEEN … AND …</c>, <c>[NOT] IN (…)</c>,
/// <c>[NOT] STARTS_WITH</c>, <c>IS [NOT] NULL</c>, <c>AND</c>/<c>OR</c> (AND binds tighter), parentheses,
/// <c>ORDER BY</c> and <c>GROUP BY</c>.
/// </summary>
static class ListFilterParser
{
    public static ListFilter Parse(string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return ListFilter.Everything;
        var parser = new Parser(Tokenize(query));
        return parser.ParseQuery();
    }

    enum Kind { Word, Identifier, String, Number, Symbol, End }

    readonly record struct Token(Kind Kind, string Text, int Position)
    {
        public bool IsKeyword(string keyword) => Kind == Kind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
        public bool IsSymbol(string symbol) => Kind == Kind.Symbol && Text == symbol;
        public override string ToString() => Kind == Kind.End ? "the end of the query" : $"'{Text}' at position {Position + 1}";
    }

    static List<Token> Tokenize(string query)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            if (c is '\'' or '"' or '`')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= query.Length)
                        throw new ListFilterException($"unterminated {(c == '`' ? "identifier" : "string")} starting at position {start + 1}");
                    if (query[i] == '\\' && i + 1 < query.Length) { text.Append(query[i + 1]); i += 2; continue; }
                    if (query[i] == c) { i++; break; }
                    text.Append(query[i++]);
                }
                tokens.Add(new Token(c == '`' ? Kind.Identifier : Kind.String, text.ToString(), start));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < query.Length && (char.IsLetterOrDigit(query[i]) || query[i] is '_' or '.')) i++;
                tokens.Add(new Token(Kind.Word, query[start..i], start));
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < query.Length && char.IsDigit(query[i + 1])))
            {
                i++;
                while (i < query.Length && (char.IsDigit(query[i]) || query[i] is '.' or 'e' or 'E')) i++;
                tokens.Add(new Token(Kind.Number, query[start..i], start));
            }
            else
            {
                var two = i + 1 < query.Length ? query.Substring(i, 2) : "";
                if (two is "!=" or "<>" or ">=" or "<=") { tokens.Add(new Token(Kind.Symbol, two == "<>" ? "!=" : two, start)); i += 2; }
                else if (c is '=' or '<' or '>' or '(' or ')' or ',') { tokens.Add(new Token(Kind.Symbol, c.ToString(), start)); i++; }
                else throw new ListFilterException($"unexpected character '{c}' at position {start + 1}");
            }
        }
        tokens.Add(new Token(Kind.End, "", query.Length));
        return tokens;
    }

    sealed class Parser(List<Token> tokens)
    {
        int _next;

        Token Peek => tokens[_next];

        Token Take() => tokens[_next++];

        public ListFilter ParseQuery()
        {
            Condition? where = null;
            if (!Peek.IsKeyword("ORDER") && !Peek.IsKeyword("GROUP")) where = ParseOr();
            string? groupBy = null;
            var orderBy = new List<Ordering>();
            while (Peek.Kind != Kind.End)
            {
                if (TakeKeywords("GROUP", "BY"))
                {
                    groupBy = Identifier("GROUP BY");
                    if (!groupBy.Equals(SearchAttributes.ExecutionStatus, StringComparison.OrdinalIgnoreCase))
                        throw new ListFilterException($"GROUP BY is only supported on ExecutionStatus, not '{groupBy}'");
                    groupBy = SearchAttributes.ExecutionStatus;
                }
                else if (TakeKeywords("ORDER", "BY"))
                {
                    do
                    {
                        var attribute = Identifier("ORDER BY");
                        var descending = false;
                        if (Peek.IsKeyword("DESC")) { Take(); descending = true; }
                        else if (Peek.IsKeyword("ASC")) Take();
                        orderBy.Add(new Ordering(attribute, descending));
                    }
                    while (TakeSymbol(","));
                }
                else throw new ListFilterException($"expected AND, OR, ORDER BY or GROUP BY but found {Peek}");
            }
            return new ListFilter(where, groupBy, orderBy);
        }

        Condition ParseOr()
        {
            var left = ParseAnd();
            while (Peek.IsKeyword("OR")) { Take(); left = new Or(left, ParseAnd()); }
            return left;
        }

        Condition ParseAnd()
        {
            var left = ParsePrimary();
            while (Peek.IsKeyword("AND")) { Take(); left = new And(left, ParsePrimary()); }
            return left;
        }

        Condition ParsePrimary()
        {
            if (TakeSymbol("("))
            {
                var inner = ParseOr();
                if (!TakeSymbol(")")) throw new ListFilterException($"expected ')' but found {Peek}");
                return inner;
            }
            var attribute = Identifier("a condition");
            if (Peek.Kind == Kind.Symbol && Peek.Text is "=" or "!=" or ">" or "<" or ">=" or "<=")
                return new Comparison(attribute, Take().Text, Value(attribute));
            if (Peek.IsKeyword("IS"))
            {
                Take();
                var negated = TakeKeyword("NOT");
                if (!TakeKeyword("NULL")) throw new ListFilterException($"expected NULL after IS{(negated ? " NOT" : "")} but found {Peek}");
                return new IsNull(attribute, negated);
            }
            var not = TakeKeyword("NOT");
            if (TakeKeyword("BETWEEN"))
            {
                var low = Value(attribute);
                if (!TakeKeyword("AND")) throw new ListFilterException($"expected AND in BETWEEN on '{attribute}' but found {Peek}");
                return new Between(attribute, low, Value(attribute), not);
            }
            if (TakeKeyword("IN"))
            {
                if (!TakeSymbol("(")) throw new ListFilterException($"expected '(' after IN on '{attribute}' but found {Peek}");
                var values = new List<Literal> { Value(attribute) };
                while (TakeSymbol(",")) values.Add(Value(attribute));
                if (!TakeSymbol(")")) throw new ListFilterException($"expected ',' or ')' in IN on '{attribute}' but found {Peek}");
                return new InList(attribute, values, not);
            }
            if (TakeKeyword("STARTS_WITH")) return new StartsWith(attribute, Value(attribute), not);
            throw new ListFilterException($"expected an operator after '{attribute}' but found {Peek}");
        }

        string Identifier(string context)
        {
            var token = Take();
            if (token.Kind is Kind.Identifier or Kind.Word && !IsReserved(token)) return token.Text;
            throw new ListFilterException($"expected a search attribute name in {context} but found {token}");
        }

        Literal Value(string attribute)
        {
            var token = Take();
            return token.Kind switch
            {
                Kind.String => new Literal(token.Text, Quoted: true),
                Kind.Number when double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => new Literal(token.Text, Quoted: false),
                Kind.Word when token.Text.Equals("true", StringComparison.OrdinalIgnoreCase) || token.Text.Equals("false", StringComparison.OrdinalIgnoreCase) =>
                    new Literal(token.Text.ToLowerInvariant(), Quoted: false),
                _ => throw new ListFilterException($"expected a value for '{attribute}' but found {token}"),
            };
        }

        static bool IsReserved(Token token) =>
            token.Kind == Kind.Word && token.Text.ToUpperInvariant() is "AND" or "OR" or "NOT" or "IN" or "IS" or "NULL" or "BETWEEN" or "STARTS_WITH" or "ORDER" or "GROUP" or "BY";

        bool TakeKeyword(string keyword)
        {
            if (!Peek.IsKeyword(keyword)) return false;
            _next++;
            return true;
        }

        bool TakeKeywords(string first, string second)
        {
            if (!Peek.IsKeyword(first)) return false;
            Take();
            if (!TakeKeyword(second)) throw new ListFilterException($"expected {second} after {first} but found {Peek}");
            return true;
        }

        bool TakeSymbol(string symbol)
        {
            if (!Peek.IsSymbol(symbol)) return false;
            _next++;
            return true;
        }
    }
}
