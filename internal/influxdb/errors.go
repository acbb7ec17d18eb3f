package influxdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// APIError is a non-2xx answer from the server.
type APIError struct {
	Op         string // what we were doing, e.g. "create script"
	StatusCode int
	Code       string // InfluxDB's machine-readable code, e.g. "not found"; may be empty
	Message    string // InfluxDB's message, or a quote of a non-JSON body
	RetryAfter string // the Retry-After header, if any
	Attempts   int    // how many times the request was sent
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Op, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// TransportError is a request that got no HTTP answer: the connection failed,
// was dropped, or the timeout or context ended it.
type TransportError struct {
	Op       string
	Attempts int
	Err      error
}

func (e *TransportError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s: %v (after %d attempts)", e.Op, e.Err, e.Attempts)
	}
	return fmt.Sprintf("%s: %v", e.Op, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the request ran out of time.
func (e *TransportError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// DecodeError is a 2xx answer whose body is not what the API documents.
type DecodeError struct {
	Op         string
	StatusCode int
	Err        error
	Snippet    string
}

func (e *DecodeError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d: unexpected response body: %v", e.Op, e.StatusCode, e.Err)
	if e.Snippet != "" {
		msg += fmt.Sprintf(" (body starts %q)", e.Snippet)
	}
	return printable(msg)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrNoScriptsAPI is detection finding neither generation of the scripts API
// at the configured URL: both paths are absent or answer with something else.
var ErrNoScriptsAPI = errors.New("no InfluxDB scripts API at this URL")

// ErrOrgNotFound is an organization, by ID or by name, that the token cannot
// see: it does not exist, or the token belongs to another organization.
var ErrOrgNotFound = errors.New("organization not found")

// IsNotFound reports whether err is the server saying the object does not exist.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether the token was refused (401) or may not do
// what was asked (403).
func IsUnauthorized(err error) bool {
	return hasStatus(err, http.StatusUnauthorized) || hasStatus(err, http.StatusForbidden)
}

// IsConflict reports whether err is a duplicate name (InfluxDB answers 422
// with code "conflict"; 409 is accepted too in case a gateway maps it).
func IsConflict(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == "conflict" || ae.StatusCode == http.StatusConflict
}

func hasStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}

// errorBody is the API's error document. Code is raw because one documented
// answer (the gRPC gateway's 400 for unparsable query numbers) sends a number.
type errorBody struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

// decodeAPIError reads a bounded part of a failed response and makes an
// *APIError of it. A body that is not the API's JSON (a proxy's HTML page, an
// empty body) still gives a readable message.
//
// secret (the token) is removed from everything quoted: a proxy's debug page
// may echo the request headers.
func decodeAPIError(op string, resp *http.Response, attempts int, secret string) *APIError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{
		Op:         op,
		StatusCode: resp.StatusCode,
		RetryAfter: resp.Header.Get("Retry-After"),
		Attempts:   attempts,
	}
	var body errorBody
	if err := json.Unmarshal(data, &body); err == nil && (len(body.Code) > 0 || body.Message != "") {
		var code string
		if json.Unmarshal(body.Code, &code) != nil {
			code = strings.Trim(string(body.Code), `"`)
		}
		e.Code = printable(code)
		e.Message = printable(body.Message)
	} else if len(strings.TrimSpace(string(data))) > 0 {
		e.Message = "non-JSON response: " + snippet(data, secret)
	}
	if e.Code == "" {
		e.Code = printable(resp.Header.Get("X-Platform-Error-Code"))
	}
	// JSON escapes (\u002f for "/") can hide the token from the byte search.
	e.Code, e.Message = Redact(e.Code, secret), Redact(e.Message, secret)
	e.RetryAfter = Redact(printable(e.RetryAfter), secret)
	return e
}

// redacted is terraform-plugin-log's marker too, so logs and errors agree.
// No angle brackets: snippet strips tags.
const redacted = "***"

// MinRedactLen is the shortest secret that is searched for in text. A
// placeholder token of a character or two would mangle every message it
// happens to occur in; real InfluxDB tokens are 88 characters long.
const MinRedactLen = 6

// Redact replaces secret (the token) in s; the provider uses it for text
// that reaches the user.
func Redact(s, secret string) string {
	if len(secret) < MinRedactLen {
		return s
	}
	return strings.ReplaceAll(s, secret, redacted)
}

func redactBytes(b []byte, secret string) []byte {
	if len(secret) < MinRedactLen {
		return b
	}
	return bytes.ReplaceAll(b, []byte(secret), []byte(redacted))
}

// printable makes server-supplied text safe to show in a terminal: invalid
// UTF-8 becomes "?"; newline and tab stay; other white-space control
// characters (carriage return, form feed) become a space; the remaining
// control and format characters (escape sequences, bidirectional overrides)
// become "?".
func printable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) && unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '?'
		}
		return r
	}, s)
}

var (
	htmlTags   = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	whitespace = regexp.MustCompile(`\s+`)
)

// snippet makes a short, printable quote of a body for error messages: tags
// stripped, entities decoded, white space folded, secret (the token)
// removed, at most 200 characters.
func snippet(data []byte, secret string) string {
	s := string(redactBytes(data, secret))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	s = htmlTags.ReplaceAllString(s, " ")
	s = html.UnescapeString(s) // &nbsp; &amp; and the like in proxy pages
	s = strings.TrimSpace(whitespace.ReplaceAllString(s, " "))
	s = printable(s)
	// Again, after decoding (an entity-encoded token) and before cutting (a
	// cut could leave part of the token).
	s = Redact(s, secret)
	const maxLen = 200
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen]) + "…"
	}
	return s
}

// ExistingScriptError says a create found a different script already holding
// the name: after an ambiguous failure, or after a 422 conflict that followed
// an ambiguous failure in the same Create. (A 422 on the first attempt is
// returned as the *APIError, for which IsConflict is true.)
type ExistingScriptError struct {
	Name  string
	OrgID string
	ID    string
}

func (e *ExistingScriptError) Error() string {
	return fmt.Sprintf("a different script named %q already exists in organization %s (id %s)", e.Name, e.OrgID, e.ID)
}
