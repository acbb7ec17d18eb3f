package influxdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAPIErrors drives every documented error answer through a call and
// checks what the caller gets.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	nginx502 := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	cases := []struct {
		name        string
		status      int
		ctype       string
		body        string
		header      map[string]string
		wantCode    string
		wantMessage string // exact, unless wantContains
		wantContain []string
		notFound    bool
		conflict    bool
		unauth      bool
	}{
		{name: "400 invalid", status: 400, body: `{"code":"invalid","message":"failed to decode request body: organization not found"}`,
			wantCode: "invalid", wantMessage: "failed to decode request body: organization not found"},
		{name: "400 gRPC style", status: 400, body: `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"-1\": invalid syntax","details":[]}`,
			wantCode: "3", wantMessage: `parsing field "limit": strconv.ParseUint: parsing "-1": invalid syntax`},
		{name: "401", status: 401, body: `{"code":"unauthorized","message":"unauthorized access"}`,
			wantCode: "unauthorized", wantMessage: "unauthorized access", unauth: true},
		{name: "403", status: 403, body: `{"code":"forbidden","message":"insufficient permissions"}`,
			wantCode: "forbidden", wantMessage: "insufficient permissions", unauth: true},
		{name: "404", status: 404, body: `{"code":"not found","message":"script \"09afa3b220fe400\" not found"}`,
			header:   map[string]string{"X-Platform-Error-Code": "not found"},
			wantCode: "not found", wantMessage: `script "09afa3b220fe400" not found`, notFound: true},
		{name: "422 conflict", status: 422, body: `{"code":"conflict","message":"uniqueness violation"}`,
			wantCode: "conflict", wantMessage: "uniqueness violation", conflict: true},
		{name: "409 from a gateway", status: 409, body: `{"code":"x","message":"exists"}`,
			wantCode: "x", wantMessage: "exists", conflict: true},
		{name: "422 other", status: 422, body: `{"code":"unprocessable entity","message":"bad"}`,
			wantCode: "unprocessable entity", wantMessage: "bad"},
		{name: "500", status: 500, body: `{"code":"internal error","message":"boom"}`,
			wantCode: "internal error", wantMessage: "boom"},
		{name: "code only", status: 500, body: `{"code":"internal error"}`, wantCode: "internal error", wantMessage: ""},
		{name: "null code", status: 500, body: `{"code":null,"message":"m"}`, wantCode: "", wantMessage: "m"},
		{name: "object code", status: 500, body: `{"code":{"a":1},"message":"m"}`, wantCode: `{"a":1}`, wantMessage: "m"},
		{name: "html from a proxy", status: 502, ctype: "text/html", body: nginx502,
			wantCode: "", wantContain: []string{"non-JSON response: 502 Bad Gateway 502 Bad Gateway nginx"}},
		{name: "html with script and entities", status: 500, ctype: "text/html",
			body:        "<html><head><style>body{color:red}</style><script>var x = '<b>';</script></head><body><p>Service&nbsp;down &amp; out</p></body></html>",
			wantContain: []string{"Service\u00a0down & out"}},
		{name: "empty body", status: 500, body: "", wantCode: "", wantMessage: ""},
		{name: "empty body with header code", status: 404, body: "", header: map[string]string{"X-Platform-Error-Code": "not found"},
			wantCode: "not found", wantMessage: "", notFound: true},
		{name: "whitespace body", status: 500, body: " \n\t ", wantCode: "", wantMessage: ""},
		{name: "truncated JSON", status: 500, body: `{"code":"internal error","mess`,
			wantContain: []string{`non-JSON response: {"code":"internal error","mess`}},
		{name: "JSON of another shape", status: 500, body: `["a","b"]`, wantContain: []string{`non-JSON response: ["a","b"]`}},
		{name: "plain text", status: 503, ctype: "text/plain", body: "upstream connect error or disconnect/reset before headers",
			wantContain: []string{"upstream connect error"}},
		{name: "binary", status: 500, ctype: "application/octet-stream", body: "\x00\x01\xff\xfe\x1b[31mred",
			wantContain: []string{"non-JSON response:"}},
		{name: "terminal escapes in message", status: 400, body: `{"code":"invalid","message":"bad \u001b[31mred\u001b[0m \u202eevil"}`,
			wantCode: "invalid", wantMessage: "bad ?[31mred?[0m ?evil"},
		{name: "long body is quoted briefly", status: 500, ctype: "text/plain", body: strings.Repeat("x", 100000),
			wantContain: []string{strings.Repeat("x", 200) + "…"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				ct := tc.ctype
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := newTestClient(t, fs.URL(), WithMaxRetries(0))
			_, err := c.Get(context.Background(), "09afa3b220fe400")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Get = %v (%T), want *APIError", err, err)
			}
			assertNoToken(t, err)
			if ae.StatusCode != tc.status || ae.Op != "read script 09afa3b220fe400" || ae.Attempts != 1 {
				t.Errorf("APIError = %+v", ae)
			}
			if tc.wantContain == nil {
				if ae.Code != tc.wantCode || ae.Message != tc.wantMessage {
					t.Errorf("code %q message %q, want %q %q", ae.Code, ae.Message, tc.wantCode, tc.wantMessage)
				}
			}
			for _, want := range tc.wantContain {
				if !strings.Contains(ae.Message, want) {
					t.Errorf("message %q does not contain %q", ae.Message, want)
				}
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "<>") && tc.ctype == "text/html" {
				t.Errorf("HTML tags survive in %q", msg)
			}
			if len(ae.Message) > 300 {
				t.Errorf("message is %d bytes long", len(ae.Message))
			}
			if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\x00\x1b\r\u202e") {
				t.Errorf("error is not printable: %q", msg)
			}
			if !strings.Contains(msg, fmt.Sprintf("HTTP %d %s", tc.status, http.StatusText(tc.status))) {
				t.Errorf("error %q does not give the status", msg)
			}
			if got := IsNotFound(err); got != tc.notFound {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := IsConflict(err); got != tc.conflict {
				t.Errorf("IsConflict = %v", got)
			}
			if got := IsUnauthorized(err); got != tc.unauth {
				t.Errorf("IsUnauthorized = %v", got)
			}
		})
	}
}

// TestDecodeErrors: 2xx answers that are not what the API documents.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	type call func(ctx context.Context, c *Client) error
	get := func(ctx context.Context, c *Client) error { _, err := c.Get(ctx, "abc"); return err }
	list := func(ctx context.Context, c *Client) error { _, err := c.List(ctx, ListOptions{}); return err }
	params := func(ctx context.Context, c *Client) error { _, err := c.Params(ctx, "abc"); return err }
	update := func(ctx context.Context, c *Client) error {
		_, err := c.Update(ctx, "abc", ScriptUpdate{Script: strPtr("s")})
		return err
	}
	org := func(ctx context.Context, c *Client) error { _, err := c.LookupOrgID(ctx, "o"); return err }
	cases := []struct {
		name        string
		call        call
		status      int
		body        string
		wantContain []string
	}{
		{"get: array", get, 200, `[{"id":"abc"}]`, []string{"read script abc: HTTP 200", "cannot unmarshal array"}},
		{"get: html", get, 200, "<html><body>Welcome</body></html>", []string{"read script abc: HTTP 200", "Welcome"}},
		{"get: empty", get, 200, "", []string{"read script abc: HTTP 200", "empty response body"}},
		{"get: truncated", get, 200, `{"id":"abc","name":`, []string{"read script abc: HTTP 200"}},
		{"get: no id", get, 200, `{"name":"n"}`, []string{"read script abc: HTTP 200", "no id"}},
		{"get: no name", get, 200, `{"id":"abc"}`, []string{"has no name"}},
		{"get: wrong field type", get, 200, `{"id":5,"name":"n"}`, []string{"read script abc: HTTP 200", "id"}},
		{"get: 203 status kept", get, 203, `[]`, []string{"read script abc: HTTP 203"}},
		{"list: no key", list, 200, `{"functions":[]}`, []string{"list scripts: HTTP 200", `no "scripts" key`}},
		{"list: wrong shape", list, 200, `{"scripts":{"id":"a"}}`, []string{"list scripts: HTTP 200"}},
		{"list: bare array", list, 200, `[]`, []string{"list scripts: HTTP 200"}},
		{"list: script without id", list, 200, `{"scripts":[{"name":"n"}]}`, []string{"list scripts", "no id"}},
		{"params: wrong shape", params, 200, `{"params":["a"]}`, []string{"read parameters of script abc: HTTP 200"}},
		{"update: no id", update, 200, `{}`, []string{"update script abc: HTTP 200", "no id"}},
		{"org: wrong shape", org, 200, `{"orgs":{}}`, []string{`look up organization "o": HTTP 200`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := newTestClient(t, fs.URL())
			err := tc.call(context.Background(), c)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want *DecodeError", err, err)
			}
			for _, want := range tc.wantContain {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if errors.Unwrap(de) == nil {
				t.Error("DecodeError does not unwrap to its cause")
			}
			assertNoToken(t, err)
			if n := len(fs.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (a bad body is not retried)", n)
			}
		})
	}
}

// TestTokenNeverInErrors: a proxy or server that echoes the request headers
// must not put the token into an error.
func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
	}{
		{"html debug page", 502, "text/html", "<html><pre>GET /api/v2/scripts\nAuthorization: Token " + testToken + "\n</pre></html>"},
		// Quoting cuts at 200 characters, in the middle of the token had it
		// not been redacted first.
		{"token at the cut", 500, "text/plain", strings.Repeat("y", 160) + "Authorization: Token " + testToken},
		{"json message", 401, "application/json", `{"code":"unauthorized","message":"token ` + testToken + ` is invalid"}`},
		{"json escaped slash", 401, "application/json", `{"code":"unauthorized","message":"token ` + strings.ReplaceAll(testToken, "/", `\/`) + `"}`},
		{"json code", 400, "application/json", `{"code":"` + testToken + `"}`},
		{"entity-encoded in html", 502, "text/html", "<p>Token " + strings.ReplaceAll(testToken, "+", "&#43;") + "</p>"},
		{"200 html", 200, "text/html", "<p>Token " + testToken + "</p>"},
		{"200 wrong json", 200, "application/json", `{"id":["` + testToken + `"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				w.Header().Set("Content-Type", tc.ctype)
				w.Header().Set("Retry-After", testToken) // not a valid value: ignored, and not leaked
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := newTestClient(t, fs.URL(), WithMaxRetries(0))
			_, err := c.Get(context.Background(), "abc")
			if err == nil {
				t.Fatal("Get succeeded")
			}
			assertNoToken(t, err)
			var ae *APIError
			if errors.As(err, &ae) && strings.Contains(ae.RetryAfter, testToken) {
				t.Errorf("RetryAfter field holds the token")
			}
			// Something of the body is still quoted, so the redaction is
			// not simply dropping the message.
			if !strings.Contains(err.Error(), "***") {
				t.Errorf("error %q shows no redaction marker", err)
			}
			if strings.Contains(err.Error(), testToken[:12]) {
				t.Errorf("error %q holds part of the token", err)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, closedPortURL(t), WithMaxRetries(2))
	_, err := c.Get(context.Background(), "abc")
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("Get = %v (%T), want *TransportError", err, err)
	}
	if te.Attempts != 3 || !strings.Contains(err.Error(), "(after 3 attempts)") || !strings.HasPrefix(err.Error(), "read script abc: ") {
		t.Errorf("error %q (attempts %d), want 3 attempts reported", err, te.Attempts)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		t.Errorf("error does not unwrap to the dial error: %v", err)
	}
	if te.Timeout() {
		t.Error("a refused connection is not a timeout")
	}
	if IsNotFound(err) || IsConflict(err) || IsUnauthorized(err) {
		t.Error("a transport error matched an HTTP predicate")
	}
	assertNoToken(t, err)
}

func TestErrorStrings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want string
	}{
		{&APIError{Op: "read script x", StatusCode: 404, Code: "not found", Message: `script "x" not found`, Attempts: 1},
			`read script x: HTTP 404 Not Found (not found): script "x" not found`},
		{&APIError{Op: "list scripts", StatusCode: 503, Attempts: 4}, "list scripts: HTTP 503 Service Unavailable (after 4 attempts)"},
		{&APIError{Op: "op", StatusCode: 599}, "op: HTTP 599"},
		{&TransportError{Op: "op", Attempts: 1, Err: io.ErrUnexpectedEOF}, "op: unexpected EOF"},
		{&TransportError{Op: "op", Attempts: 2, Err: io.EOF}, "op: EOF (after 2 attempts)"},
		{&DecodeError{Op: "op", StatusCode: 200, Err: errors.New("bad"), Snippet: "<x>"}, `op: HTTP 200: unexpected response body: bad (body starts "<x>")`},
		{&DecodeError{Op: "op", StatusCode: 201, Err: errors.New("bad\x1b")}, `op: HTTP 201: unexpected response body: bad?`},
		{&ExistingScriptError{Name: "n", OrgID: "o", ID: "i"}, `a different script named "n" already exists in organization o (id i)`},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%T.Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestTransportErrorTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{context.DeadlineExceeded, true},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), true},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{context.Canceled, false},
		{io.EOF, false},
	}
	for _, tc := range cases {
		if got := (&TransportError{Err: tc.err}).Timeout(); got != tc.want {
			t.Errorf("Timeout() for %v = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestPredicatesSeeThroughWrapping(t *testing.T) {
	t.Parallel()
	base := &APIError{StatusCode: 404}
	wrapped := fmt.Errorf("outer: %w", base)
	if !IsNotFound(wrapped) {
		t.Error("IsNotFound misses a wrapped 404")
	}
	if IsNotFound(nil) || IsConflict(nil) || IsUnauthorized(nil) || IsNotFound(errors.New("404")) {
		t.Error("predicates match nil or a plain error")
	}
	if !IsConflict(&APIError{StatusCode: 422, Code: "conflict"}) || IsConflict(&APIError{StatusCode: 422, Code: "invalid"}) {
		t.Error("IsConflict does not follow the code")
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"tags stripped and space folded", "<h1>502</h1>\n\n<p>Bad   Gateway</p>", "502 Bad Gateway"},
		{"script and style dropped", "<script>alert('<x>')</script><style>p{}</style>ok", "ok"},
		{"entities", "a &lt;b&gt; &amp; c&nbsp;d", "a <b> & c\u00a0d"},
		{"invalid utf-8", "a\xffb", "a?b"},
		{"control characters", "a\x00b\x1b[1mc", "a?b?[1mc"},
		{"carriage returns", "a\r\nb", "a b"},
		{"long", strings.Repeat("é", 300), strings.Repeat("é", 200) + "…"},
		{"empty", "", ""},
		{"token", "a " + testToken + " b", "a *** b"},
		{"entity-encoded token", "a " + strings.ReplaceAll(testToken, "/", "&#47;") + " b", "a *** b"},
		{"token across the cut", strings.Repeat("z", 198) + testToken, strings.Repeat("z", 198) + "**…"},
	}
	for _, tc := range cases {
		if got := snippet([]byte(tc.in), testToken); got != tc.want {
			t.Errorf("%s: snippet(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ok":              "ok",
		"line\nbreak\tok": "line\nbreak\tok",
		"cr\rff\f":        "cr ff ",
		"esc\x1b[0m":      "esc?[0m",
		"bidi\u202eabc":   "bidi?abc",
		"bad\xc3":         "bad?",
		"c1\u0085\u009b":  "c1 ?",
		"ünïcødé ✓":       "ünïcødé ✓",
	}
	for in, want := range cases {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
