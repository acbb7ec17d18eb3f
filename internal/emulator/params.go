package emulator

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parameter type names from the contract's Params schema.
const (
	typeAny      = "any"
	typeBool     = "bool"
	typeDuration = "duration"
	typeInt      = "int"
	typeString   = "string"
	typeTime     = "time"
)

type tokenKind int

const (
	tokIdent tokenKind = iota
	tokString
	tokPunct
	tokOther
)

type token struct {
	kind tokenKind
	text string // identifier, punctuation, or the decoded value of a string
	// interpolated marks a string holding ${...}; it is not a plain literal,
	// so it cannot name a params key.
	interpolated bool
}

// tokenize splits script text into the few token kinds the parameter scan
// needs. Comments and string contents are consumed so that "params.x" inside
// them is not mistaken for a reference; the expressions inside Flux string
// interpolation ("${params.x}") are code, so their tokens are emitted between
// "${" and "}" markers. SQL and InfluxQL scripts additionally have '...'
// strings and "--" comments.
func tokenize(src string, sqlish bool) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(src[i:], "//") || (sqlish && strings.HasPrefix(src[i:], "--")):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && !sqlish && !afterOperand(toks):
			// A slash where an operand is expected opens a regular
			// expression literal (/params.x/ is a pattern, not a reference);
			// after an operand it divides.
			if end, ok := regexEnd(src, i+1); ok {
				toks = append(toks, token{kind: tokOther, text: src[i:end]})
				i = end
				continue
			}
			toks = append(toks, token{kind: tokPunct, text: "/"})
			i++
		case c == '"':
			var str []token
			str, i = lexFluxString(src, i+1, sqlish)
			toks = append(toks, str...)
		case c == '\'' && sqlish:
			var b strings.Builder
			i++
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' { // '' escapes a quote
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(src[i])
				i++
			}
			toks = append(toks, token{kind: tokString, text: b.String()})
		case isIdentStart(src, i):
			j := i
			for j < len(src) && isIdentPart(src, j) {
				_, size := utf8.DecodeRuneInString(src[j:])
				j += size
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j]})
			i = j
		case c >= '0' && c <= '9':
			// Numbers, durations (1h30m) and dates: one opaque token.
			j := i
			for j < len(src) && (isASCIIWordByte(src[j]) ||
				(strings.IndexByte(".:-", src[j]) >= 0 && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9')) {
				j++
			}
			toks = append(toks, token{kind: tokOther, text: src[i:j]})
			i = j
		default:
			_, size := utf8.DecodeRuneInString(src[i:])
			toks = append(toks, token{kind: tokPunct, text: src[i : i+size]})
			i += size
		}
	}
	return toks
}

// afterOperand reports whether the last token ends an operand (a name, a
// literal, a closing bracket), after which a slash is division.
func afterOperand(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	switch last.kind {
	case tokIdent:
		// After a keyword an operand is still to come.
		switch last.text {
		case "and", "or", "not", "return", "if", "then", "else", "exists":
			return false
		}
		return true
	case tokString, tokOther:
		return true
	}
	return last.text == ")" || last.text == "]" || last.text == "}"
}

// regexEnd finds the end of a regular expression literal whose body starts
// at i: the index after its closing unescaped slash on the same line.
func regexEnd(src string, i int) (int, bool) {
	for i < len(src) {
		switch src[i] {
		case '\\':
			i += 2
			continue
		case '\n':
			return 0, false
		case '/':
			return i + 1, true
		}
		i++
	}
	return 0, false
}

// lexFluxString reads a double-quoted string starting just after its opening
// quote. It returns the string token, preceded by the tokens of any ${...}
// interpolations, and the index after the closing quote.
func lexFluxString(src string, i int, sqlish bool) ([]token, int) {
	var out []token
	var b strings.Builder
	interpolated := false
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			switch src[i+1] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(src[i+1])
			}
			i += 2
		case c == '"':
			out = append(out, token{kind: tokString, text: b.String(), interpolated: interpolated})
			return out, i + 1
		case c == '$' && i+1 < len(src) && src[i+1] == '{' && !sqlish:
			interpolated = true
			end := matchingBrace(src, i+2)
			out = append(out, token{kind: tokPunct, text: "${"})
			out = append(out, tokenize(src[i+2:end], false)...)
			out = append(out, token{kind: tokPunct, text: "}"})
			i = end + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	// Unterminated string: everything to the end was string content.
	out = append(out, token{kind: tokString, text: b.String(), interpolated: interpolated})
	return out, len(src)
}

// matchingBrace returns the index of the "}" closing an interpolation whose
// body starts at i, skipping nested braces and strings; len(src) if none.
func matchingBrace(src string, i int) int {
	depth := 0
	for i < len(src) {
		switch src[i] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		case '"':
			_, next := lexFluxString(src, i+1, false)
			i = next
			continue
		}
		i++
	}
	return len(src)
}

func isIdentStart(src string, i int) bool {
	r, _ := utf8.DecodeRuneInString(src[i:])
	return r == '_' || unicode.IsLetter(r)
}

func isIdentPart(src string, i int) bool {
	r, _ := utf8.DecodeRuneInString(src[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scriptParams finds every params key a script references, as params.key or
// params["key"], and infers its type from the argument it is passed to (see
// argType). A key seen with two different inferred types is "any".
func scriptParams(src, language string) map[string]string {
	toks := tokenize(src, language == "sql" || language == "influxql")
	out := map[string]string{}
	// calls tracks the function name of each open "(" ("" for other brackets),
	// so an argument knows which call it belongs to.
	var calls []string
	for i, t := range toks {
		if t.kind == tokPunct {
			switch t.text {
			case "(":
				name := ""
				if i > 0 && toks[i-1].kind == tokIdent {
					name = toks[i-1].text
				}
				calls = append(calls, name)
			case "[", "{", "${":
				calls = append(calls, "")
			case ")", "]", "}":
				if len(calls) > 0 {
					calls = calls[:len(calls)-1]
				}
			}
			continue
		}
		if t.kind != tokIdent || t.text != "params" {
			continue
		}
		// "r.params.x" is a member of r, not the params record.
		if i > 0 && toks[i-1].kind == tokPunct && toks[i-1].text == "." {
			continue
		}
		key, ok := paramKeyAt(toks, i)
		if !ok {
			continue
		}
		typ := typeAny
		if i >= 2 && toks[i-1].text == ":" && toks[i-1].kind == tokPunct && toks[i-2].kind == tokIdent {
			call := ""
			if len(calls) > 0 {
				call = calls[len(calls)-1]
			}
			if call != "" {
				typ = argType(call, toks[i-2].text)
			}
		}
		prev, seen := out[key]
		switch {
		case !seen || prev == typeAny:
			out[key] = typ
		case typ != typeAny && typ != prev:
			out[key] = typeAny
		}
	}
	return out
}

// paramKeyAt reads the key after the "params" identifier at toks[i].
func paramKeyAt(toks []token, i int) (string, bool) {
	if i+2 < len(toks) && toks[i+1].kind == tokPunct && toks[i+1].text == "." && toks[i+2].kind == tokIdent {
		return toks[i+2].text, true
	}
	if i+3 < len(toks) && toks[i+1].kind == tokPunct && toks[i+1].text == "[" &&
		toks[i+2].kind == tokString && !toks[i+2].interpolated &&
		toks[i+3].kind == tokPunct && toks[i+3].text == "]" {
		return toks[i+2].text, true
	}
	return "", false
}

// argType infers a parameter's type from the named argument of the call it is
// passed to directly ("from(bucket: params.b)"). These are the only rules;
// everything else is "any".
func argType(call, arg string) string {
	switch call + "." + arg {
	case "range.start", "range.stop":
		return typeTime
	case "limit.offset", "tail.offset":
		return typeInt
	case "window.offset", "aggregateWindow.offset", "window.every", "window.period":
		return typeDuration
	}
	switch arg {
	case "bucket", "bucketID", "org", "orgID", "host", "token", "measurement", "field",
		"column", "timeColumn", "valueColumn", "startColumn", "stopColumn", "timeSrc", "timeDst":
		return typeString
	case "n":
		return typeInt
	case "every", "period":
		return typeDuration
	case "createEmpty", "desc", "nonNegative":
		return typeBool
	}
	return typeAny
}

func isASCIIWordByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
