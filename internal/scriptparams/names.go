// Package scriptparams finds the invocation parameters a Flux script refers
// to, so that the provider can compare them with the parameters it is given.
//
// InfluxDB hands invocation parameters to a script as the record "params".
// A script reads one as params.name or params["name"]. Names scans the
// source with a small lexer rather than a regular expression, so that text
// which only looks like a reference is left out:
//
//   - params must be the whole identifier, and must not itself follow a dot:
//     myparams.x and r.params.x are not references. The dot or bracket must
//     follow params directly; spaces are allowed only inside the brackets,
//     params[ "name" ]. Flux would also accept params . name, but nobody
//     writes that, and accepting it buys nothing but ambiguity.
//   - Identifiers are Flux identifiers: a Unicode letter or underscore, then
//     letters, Unicode decimal digits and underscores.
//   - A bracket key must be a plain string literal. A key with an escape
//     sequence or an interpolation is not a fixed name, and is skipped.
//     Flux has no single-quoted strings, so params['x'] is not recognised.
//   - Line comments (// to the end of the line) are skipped.
//   - String literals are skipped, except for interpolations: in
//     "${params.x}" the part between ${ and } is code, and its references
//     count, because Flux evaluates it. Interpolations may nest strings that
//     have interpolations of their own.
//   - Regular expression literals are skipped. Flux tells /regex/ from
//     division by what precedes the slash, and so does this lexer: a slash
//     starts a regex where an operand is expected (at the start, after an
//     operator, an opening bracket, a comma, a colon, or a keyword such as
//     and, or, not, return, if, then, else), and is division after an
//     identifier, a number, a string or a closing bracket. A regex must
//     close on the same line; if it does not, the slash is read as division,
//     which keeps a misreading from swallowing more than one line.
//
// Malformed source (unterminated strings, comments, regexes or brackets) is
// read as far as it goes; Names never fails and never panics.
package scriptparams

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names returns the sorted names of the parameters that script refers to,
// each once. It returns an empty, non-nil slice when there are none.
func Names(script string) []string {
	l := lexer{src: script, seen: map[string]struct{}{}}
	l.run()
	names := make([]string, 0, len(l.seen))
	for n := range l.seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// prevKind is what the last token in code was; it decides whether a slash
// starts a regex and whether "params" follows a dot.
type prevKind int

const (
	prevOperator prevKind = iota // also the start of code: an operand may follow
	prevOperand
	prevDot
)

// frame is one level of nesting: code (the top level, or the inside of a
// ${...} interpolation) or a string literal.
type frame struct {
	inString bool
	braces   int // open { in this code frame, so that } can end an interpolation
}

type lexer struct {
	src   string
	pos   int
	prev  prevKind
	stack []frame
	seen  map[string]struct{}
}

func (l *lexer) run() {
	l.stack = []frame{{}}
	for l.pos < len(l.src) {
		if l.stack[len(l.stack)-1].inString {
			l.stringChar()
		} else {
			l.codeToken()
		}
	}
}

// stringChar consumes one piece of a string literal.
func (l *lexer) stringChar() {
	switch c := l.src[l.pos]; {
	case c == '\\':
		l.pos += 2 // the escaped byte, whatever it is, including $ and "
	case c == '"':
		l.pos++
		l.stack = l.stack[:len(l.stack)-1]
		l.prev = prevOperand
	case c == '$' && strings.HasPrefix(l.src[l.pos:], "${"):
		l.pos += 2
		l.stack = append(l.stack, frame{})
		l.prev = prevOperator
	default:
		l.pos++
	}
}

// codeToken consumes one token of code, or the whitespace before it.
func (l *lexer) codeToken() {
	s := l.src
	c := s[l.pos]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		l.pos++
	case strings.HasPrefix(s[l.pos:], "//"):
		if i := strings.IndexByte(s[l.pos:], '\n'); i >= 0 {
			l.pos += i + 1
		} else {
			l.pos = len(s)
		}
	case c == '"':
		l.pos++
		l.stack = append(l.stack, frame{inString: true})
	case c == '{':
		l.pos++
		l.stack[len(l.stack)-1].braces++
		l.prev = prevOperator
	case c == '}':
		l.pos++
		top := &l.stack[len(l.stack)-1]
		switch {
		case top.braces > 0:
			top.braces--
			l.prev = prevOperand
		case len(l.stack) > 1:
			l.stack = l.stack[:len(l.stack)-1] // back into the string
		}
	case c == '/' && l.prev != prevOperand && l.skipRegex():
		l.prev = prevOperand
	case c == '.':
		l.pos++
		l.prev = prevDot
	case c == ')' || c == ']':
		l.pos++
		l.prev = prevOperand
	case c >= '0' && c <= '9':
		// Numbers, durations (1h30m) and dates (2024-01-01T00:00:00Z) are all
		// operands; reading digits and letters is enough to get past them
		// (a decimal point reads as a dot between two operands).
		for l.pos < len(s) && isASCIIAlnum(s[l.pos]) {
			l.pos++
		}
		l.prev = prevOperand
	default:
		r, size := utf8.DecodeRuneInString(s[l.pos:])
		if isIdentStart(r) {
			l.identifier()
			return
		}
		l.pos += size
		l.prev = prevOperator
	}
}

// identifier consumes an identifier and, when it is a params reference,
// the member or index after it.
func (l *lexer) identifier() {
	start := l.pos
	l.pos = identEnd(l.src, l.pos)
	word := l.src[start:l.pos]
	afterDot := l.prev == prevDot
	l.prev = prevOperand
	if regexMayFollow[word] {
		l.prev = prevOperator
	}
	if word != "params" || afterDot || l.pos >= len(l.src) {
		return
	}
	switch l.src[l.pos] {
	case '.':
		if end := identEnd(l.src, l.pos+1); end > l.pos+1 {
			l.seen[l.src[l.pos+1:end]] = struct{}{}
			l.pos = end
		}
	case '[':
		if key, end, ok := bracketKey(l.src, l.pos); ok {
			l.seen[key] = struct{}{}
			l.pos = end
		}
		// Otherwise the bracket is left for the main loop, which reads any
		// string inside it, interpolations included, as usual.
	}
}

// bracketKey reads `[ "key" ]` at s[i] and returns the key and the index
// after the closing bracket. It fails for anything else, including keys with
// escapes or interpolations and the empty key.
func bracketKey(s string, i int) (key string, end int, ok bool) {
	i = skipSpaces(s, i+1)
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	n := strings.IndexByte(s[i+1:], '"')
	if n <= 0 {
		return "", 0, false
	}
	key = s[i+1 : i+1+n]
	if strings.ContainsRune(key, '\\') || strings.Contains(key, "${") {
		return "", 0, false
	}
	i = skipSpaces(s, i+1+n+1)
	if i >= len(s) || s[i] != ']' {
		return "", 0, false
	}
	return key, i + 1, true
}

// skipRegex consumes a regex literal starting at the slash at l.pos and
// reports whether there was one: a closing slash on the same line, with
// backslash escapes in between. "//" is a comment and has been handled.
func (l *lexer) skipRegex() bool {
	s := l.src
	for i := l.pos + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\n':
			return false
		case '/':
			l.pos = i + 1
			return true
		}
	}
	return false
}

// regexMayFollow lists the keywords after which an operand, and so a regex,
// may come.
var regexMayFollow = map[string]bool{
	"and": true, "or": true, "not": true, "exists": true,
	"return": true, "if": true, "then": true, "else": true,
}

func identEnd(s string, i int) int {
	for first := true; i < len(s); first = false {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isIdentStart(r) && (first || !unicode.IsDigit(r)) {
			break
		}
		i += size
	}
	return i
}

func isIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
