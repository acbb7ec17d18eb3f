package influxdb

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkPrintable fails when s could garble a terminal or hide text: invalid
// UTF-8, control characters other than newline and tab, format characters.
func checkPrintable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("%s holds %U: %q", what, r, s)
		}
	}
}

func checkErrorText(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	s := err.Error()
	checkPrintable(t, "error", s)
	if strings.Contains(s, testToken) {
		t.Fatalf("error leaks the token: %q", s)
	}
}

// errorSeeds are bodies servers and proxies really send, plus a few hostile ones.
var errorSeeds = []struct {
	status int
	ctype  string
	body   string
}{
	{400, "application/json", `{"code":"invalid","message":"failed to decode request body: organization not found"}`},
	{400, "application/json", `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"-1\": invalid syntax","details":[]}`},
	{401, "application/json", `{"code":"unauthorized","message":"unauthorized access"}`},
	{404, "application/json", `{"code":"not found","message":"script \"09afa3b220fe400\" not found"}`},
	{422, "application/json", `{"code":"conflict","message":"uniqueness violation"}`},
	{500, "application/json", `{"code":"internal error","message":"boom"}`},
	{502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"},
	{503, "text/plain", "upstream connect error or disconnect/reset before headers. reset reason: overflow"},
	{500, "", ""},
	{500, "application/json", `{"code":"internal`},
	{500, "application/json", `{"code":{"nested":[1,2]},"message":null}`},
	{500, "application/json", `{"message":"\u001b[2J\u202eevil\r\nline"}`},
	{500, "text/html", "<script>" + strings.Repeat("<", 100) + "</script>&#0;&#x1b;&nbsp;"},
	{500, "application/octet-stream", "\xff\xfe\x00\x01"},
	{401, "text/html", "<pre>Authorization: Token " + testToken + "</pre>"},
	{401, "application/json", `{"message":"` + strings.ReplaceAll(testToken, "/", `\u002f`) + `"}`},
	{200, "application/json", `{"scripts":[]}`},
	{200, "application/json", `{"id":"09afa3b220fe4000","name":"n","orgID":"o","script":"s","language":"flux"}`},
	{200, "application/json", `[]`},
	{201, "text/html", catchAllHTML},
	{204, "", ""},
	{301, "text/html", "<a href=\"/\">Moved</a>"},
	{429, "application/json", ""},
	{999, "x/y", "\x00"},
}

func FuzzDecodeAPIError(f *testing.F) {
	for _, s := range errorSeeds {
		f.Add(s.status, s.ctype, []byte(s.body), "not found")
	}
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte, headerCode string) {
		resp := &http.Response{
			StatusCode: status,
			Header:     http.Header{},
			Body:       io.NopCloser(strings.NewReader(string(body))),
		}
		resp.Header.Set("Content-Type", ctype)
		resp.Header.Set("X-Platform-Error-Code", headerCode)
		resp.Header.Set("Retry-After", headerCode)
		e := decodeAPIError("read script x", resp, 1, testToken)
		if e == nil {
			t.Fatal("nil error")
		}
		if e.StatusCode != status || e.Op != "read script x" {
			t.Fatalf("APIError = %+v", e)
		}
		checkErrorText(t, e)
		checkPrintable(t, "code", e.Code)
		checkPrintable(t, "message", e.Message)
		checkPrintable(t, "retry-after", e.RetryAfter)
		if strings.HasPrefix(e.Message, "non-JSON response: ") && utf8.RuneCountInString(e.Message) > 220 {
			t.Fatalf("quote of a non-JSON body is %d characters long", utf8.RuneCountInString(e.Message))
		}
	})
}

// fixedTransport answers every request with the same status, type and body.
type fixedTransport struct {
	status int
	ctype  string
	body   []byte
}

func (ft fixedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	h := http.Header{}
	if ft.ctype != "" {
		h.Set("Content-Type", ft.ctype)
	}
	return &http.Response{
		Status:     http.StatusText(ft.status),
		StatusCode: ft.status,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(string(ft.body))),
		ContentLength: int64(len(ft.body)),
		Request:       r,
	}, nil
}

// FuzzDecodeResponse sends arbitrary answers through every call: nothing
// panics, every error is printable and free of the token, and what
// succeeds is well formed.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range errorSeeds {
		f.Add(s.status, s.ctype, []byte(s.body), false)
		f.Add(s.status, s.ctype, []byte(s.body), true)
	}
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte, functions bool) {
		if status < 0 {
			status = -status
		}
		status = 200 + status%400 // 200–599: the answers an API call can get
		api := APIScripts
		if functions {
			api = APIFunctions
		}
		c, err := New("http://127.0.0.1:1/", testToken,
			WithTransport(fixedTransport{status: status, ctype: ctype, body: body}),
			WithMaxRetries(0), WithRetryWait(0, 0, 0), WithAPI(api))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()

		s, err := c.Get(ctx, "abc")
		checkErrorText(t, err)
		if err == nil && (s == nil || s.ID == "" || s.Name == "") {
			t.Fatalf("Get succeeded with %+v", s)
		}
		list, err := c.List(ctx, ListOptions{OrgID: testOrgID})
		checkErrorText(t, err)
		for _, s := range list {
			if s.ID == "" || s.Name == "" {
				t.Fatalf("List returned %+v", s)
			}
		}
		_, err = c.ListAll(ctx, ListOptions{OrgID: testOrgID}, 0)
		checkErrorText(t, err)
		created, err := c.Create(ctx, ScriptCreate{Name: "n", Script: "s", Language: "flux", OrgID: testOrgID})
		checkErrorText(t, err)
		if err == nil && (created == nil || created.ID == "") {
			t.Fatalf("Create succeeded with %+v", created)
		}
		_, err = c.Update(ctx, "abc", ScriptUpdate{Description: strPtr("d")})
		checkErrorText(t, err)
		checkErrorText(t, c.Delete(ctx, "abc"))
		params, err := c.Params(ctx, "abc")
		checkErrorText(t, err)
		if err == nil && params == nil {
			t.Fatal("Params succeeded with a nil map")
		}
		res, err := c.Invoke(ctx, "abc", map[string]any{"a": 1})
		checkErrorText(t, err)
		if err == nil {
			_ = res.Body.Close()
		}
		_, err = c.LookupOrgID(ctx, "o")
		checkErrorText(t, err)
		checkErrorText(t, c.CheckOrg(ctx, "o"))

		auto, err := New("http://127.0.0.1:1/", testToken,
			WithTransport(fixedTransport{status: status, ctype: ctype, body: body}),
			WithMaxRetries(0), WithRetryWait(0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = auto.Capabilities(ctx, testOrgID)
		checkErrorText(t, err)
	})
}
