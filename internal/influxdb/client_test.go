package influxdb

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	valid := []struct {
		raw, want string
	}{
		{"https://us-west-2-1.aws.cloud2.influxdata.com", "https://us-west-2-1.aws.cloud2.influxdata.com/"},
		{"http://127.0.0.1:8086/", "http://127.0.0.1:8086/"},
		{"  https://host/prefix  ", "https://host/prefix/"},
		{"https://host/prefix/", "https://host/prefix/"},
		{"HTTPS://Host:443/a/b", "https://Host:443/a/b/"},
		{"http://[::1]:8086", "http://[::1]:8086/"},
	}
	for _, tc := range valid {
		t.Run("valid "+tc.raw, func(t *testing.T) {
			u, err := ParseBaseURL(tc.raw)
			if err != nil {
				t.Fatalf("ParseBaseURL(%q): %v", tc.raw, err)
			}
			if u.String() != tc.want {
				t.Errorf("ParseBaseURL(%q) = %q, want %q", tc.raw, u.String(), tc.want)
			}
		})
	}

	const secret = "pa55w0rdSECRET"
	invalid := []struct {
		name, raw, wantErr string
	}{
		{"ftp scheme", "ftp://host/", "http:// or https://"},
		{"no scheme", "host:8086", "http:// or https://"},
		{"relative", "/api/v2", "http:// or https://"},
		{"empty", "", "http:// or https://"},
		{"missing host", "http://", "no host"},
		{"port only", "http://:8086", "no host"},
		{"path only", "https:///api", "no host"},
		{"credentials", "https://user:" + secret + "@host/", "credentials"},
		{"credentials with bad scheme", "ftp://user:" + secret + "@host/", "http:// or https://"},
		{"query", "https://host/?token=" + secret, "query or fragment"},
		{"empty query", "https://host/?", "query or fragment"},
		{"fragment", "https://host/#" + secret, "query or fragment"},
		{"unparsable", "https://host/%zz" + secret, "not a URL"},
		{"control character", "https://host/\x7f" + secret, "not a URL"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseBaseURL(tc.raw)
			if err == nil {
				t.Fatalf("ParseBaseURL(%q) = %v, want an error", tc.raw, u)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error repeats the secret part of the URL: %q", err)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://localhost:8086":    true,
		"http://LOCALHOST":         true,
		"http://127.0.0.1:8086":    true,
		"http://127.1.2.3":         true,
		"http://[::1]:8086":        true,
		"http://10.0.0.1":          false,
		"https://cloud2.influx.io": false,
		"http://localhost.evil.io": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsLoopback(u); got != want {
			t.Errorf("IsLoopback(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		url     string
		token   string
		opts    []Option
		wantErr string
	}{
		{"empty token", "https://host", "", nil, "token"},
		{"bad url", "ftp://host", testToken, nil, "http://"},
		{"zero timeout", "https://host", testToken, []Option{WithTimeout(0)}, "timeout"},
		{"negative retries", "https://host", testToken, []Option{WithMaxRetries(-1)}, "max_retries"},
		{"unknown api", "https://host", testToken, []Option{WithAPI("graphql")}, "unknown scripts API"},
		{"negative wait", "https://host", testToken, []Option{WithRetryWait(-time.Second, time.Second, time.Second)}, "retry waits"},
		{"max below min", "https://host", testToken, []Option{WithRetryWait(time.Second, time.Millisecond, time.Second)}, "retry waits"},
		{"negative cap", "https://host", testToken, []Option{WithRetryWait(0, 0, -1)}, "retry waits"},
		{"bad CA", "https://host", testToken, []Option{WithTLS("not a certificate", false)}, "PEM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.url, tc.token, tc.opts...)
			if err == nil {
				t.Fatalf("New = %v, want an error", c)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			assertNoToken(t, err)
		})
	}
}

func TestNewAcceptsOptions(t *testing.T) {
	t.Parallel()
	c, err := New("https://host/", testToken,
		WithAPI(""), // empty means auto
		WithTLS("", true),
		WithMaxRetries(0),
		WithRetryWait(0, 0, 0),
		WithTimeout(time.Second),
		WithUserAgent("ua"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if c.api != APIAuto || c.detected != "" {
		t.Errorf("WithAPI(\"\") gave api %q detected %q, want auto and undetected", c.api, c.detected)
	}
	if c.maxRetries != 0 || c.userAgent != "ua" || c.httpClient.Timeout != time.Second {
		t.Errorf("options not applied: retries %d ua %q timeout %s", c.maxRetries, c.userAgent, c.httpClient.Timeout)
	}
}

// TestRequestBasics checks the headers and URL of every call.
func TestRequestBasics(t *testing.T) {
	t.Parallel()
	type call struct {
		name       string
		do         func(ctx context.Context, c *Client) error
		method     string
		path       string
		body       bool
		wantAccept string
	}
	calls := []call{
		{"list", func(ctx context.Context, c *Client) error { _, err := c.List(ctx, ListOptions{}); return err }, "GET", "api/v2/scripts", false, "application/json"},
		{"get", func(ctx context.Context, c *Client) error { _, err := c.Get(ctx, "ID"); return err }, "GET", "api/v2/scripts/ID", false, "application/json"},
		{"create", func(ctx context.Context, c *Client) error {
			_, err := c.Create(ctx, ScriptCreate{Name: "n", Script: "s", Language: "flux"})
			return err
		}, "POST", "api/v2/scripts", true, "application/json"},
		{"update", func(ctx context.Context, c *Client) error {
			_, err := c.Update(ctx, "ID", ScriptUpdate{Script: strPtr("x")})
			return err
		}, "PATCH", "api/v2/scripts/ID", true, "application/json"},
		{"delete", func(ctx context.Context, c *Client) error { return c.Delete(ctx, "ID") }, "DELETE", "api/v2/scripts/ID", false, "application/json"},
		{"params", func(ctx context.Context, c *Client) error { _, err := c.Params(ctx, "ID"); return err }, "GET", "api/v2/scripts/ID/params", false, "application/json"},
		{"invoke", func(ctx context.Context, c *Client) error {
			res, err := c.Invoke(ctx, "ID", nil)
			if err == nil {
				_ = res.Body.Close()
			}
			return err
		}, "POST", "api/v2/scripts/ID/invoke", true, "text/csv, application/csv"},
		{"org", func(ctx context.Context, c *Client) error { _, err := c.LookupOrgID(ctx, "my org"); return err }, "GET", "api/v2/orgs", false, "application/json"},
		{"check org", func(ctx context.Context, c *Client) error { return c.CheckOrg(ctx, testOrgID) }, "GET", "api/v2/orgs", false, "application/json"},
	}
	for _, prefix := range []string{"", "/prefix", "/prefix/", "/deep/er/prefix"} {
		for _, tc := range calls {
			t.Run(tc.name+" prefix "+prefix, func(t *testing.T) {
				t.Parallel()
				fs := newFakeServer(t, APIScripts)
				fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
					// Answer anything: these tests look at the request only.
					switch {
					case strings.HasSuffix(r.URL.Path, "/invoke"):
						w.Header().Set("Content-Type", "text/csv")
						_, _ = io.WriteString(w, "a\n")
					case r.Method == http.MethodDelete:
						w.WriteHeader(http.StatusNoContent)
					case strings.HasSuffix(r.URL.Path, "/orgs"):
						writeJSON(w, 200, map[string]any{"orgs": []Org{{ID: "o", Name: "my org"}}})
					case strings.HasSuffix(r.URL.Path, "/params"):
						writeJSON(w, 200, map[string]any{"params": map[string]string{}})
					case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/ID"):
						// the confirming GET of delete must see 404; plain get is not checked further
						writeAPIError(w, http.StatusNotFound, "not found", `script "ID" not found`)
					case r.Method == http.MethodGet:
						writeJSON(w, 200, map[string]any{"scripts": []Script{}})
					default:
						writeJSON(w, 200, Script{ID: "ID", Name: "n"})
					}
					return true
				}
				c := newTestClient(t, fs.URL()+prefix, WithUserAgent("tf-test/1.2.3"))
				_ = tc.do(context.Background(), c)
				reqs := fs.requests()
				if len(reqs) == 0 {
					t.Fatal("no request reached the server")
				}
				r := reqs[0]
				wantPath := strings.TrimSuffix(prefix, "/") + "/" + tc.path
				if r.Method != tc.method || r.Path != wantPath {
					t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tc.method, wantPath)
				}
				if got := r.Header.Get("Authorization"); got != "Token "+testToken {
					t.Errorf("Authorization = %q, want %q", got, "Token "+testToken)
				}
				if got := r.Header.Get("User-Agent"); got != "tf-test/1.2.3" {
					t.Errorf("User-Agent = %q", got)
				}
				if got := r.Header.Get("Accept"); got != tc.wantAccept {
					t.Errorf("Accept = %q, want %q", got, tc.wantAccept)
				}
				ct := r.Header.Get("Content-Type")
				if tc.body {
					if ct != "application/json" {
						t.Errorf("Content-Type = %q, want application/json", ct)
					}
					if !json.Valid(r.Body) {
						t.Errorf("body is not JSON: %q", r.Body)
					}
				} else if ct != "" || len(r.Body) != 0 {
					t.Errorf("bodiless request has Content-Type %q and body %q", ct, r.Body)
				}
			})
		}
	}
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL())
	if _, err := c.List(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := fs.requests()[0].Header.Get("User-Agent"); got != defaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, defaultUserAgent)
	}
}

// TestIDsAreEscapedOnce checks that an id is one path segment on the wire.
func TestIDsAreEscapedOnce(t *testing.T) {
	t.Parallel()
	cases := []struct{ id, wantRaw string }{
		{"09afa3b220fe4000", "/api/v2/scripts/09afa3b220fe4000"},
		{"a b", "/api/v2/scripts/a%20b"},
		{"a/b", "/api/v2/scripts/a%2Fb"},
		{"a?b#c", "/api/v2/scripts/a%3Fb%23c"},
		{"100%", "/api/v2/scripts/100%25"},
		{"...", "/api/v2/scripts/..."},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			c := newTestClient(t, fs.URL()+"/p")
			_, err := c.Get(context.Background(), tc.id)
			if !IsNotFound(err) {
				t.Fatalf("Get(%q) = %v, want the server's 404", tc.id, err)
			}
			reqs := fs.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if want := "/p" + tc.wantRaw; reqs[0].RawPath != want {
				t.Errorf("path on the wire = %q, want %q", reqs[0].RawPath, want)
			}
			if !strings.Contains(err.Error(), "read script "+tc.id+":") {
				t.Errorf("error %q does not name the id", err)
			}
		})
	}
}

func TestInvalidIDsAreRefusedWithoutARequest(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL())
	ctx := context.Background()
	for _, id := range []string{"", ".", ".."} {
		calls := map[string]func() error{
			"get":    func() error { _, err := c.Get(ctx, id); return err },
			"update": func() error { _, err := c.Update(ctx, id, ScriptUpdate{}); return err },
			"delete": func() error { return c.Delete(ctx, id) },
			"params": func() error { _, err := c.Params(ctx, id); return err },
			"invoke": func() error { _, err := c.Invoke(ctx, id, nil); return err },
		}
		for name, call := range calls {
			if err := call(); err == nil || !strings.Contains(err.Error(), "script id") {
				t.Errorf("%s(%q) = %v, want an id error", name, id, err)
			}
		}
	}
	if n := len(fs.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid ids, want none", n)
	}
}

// TestConnectionReuse checks that sequential requests, successful or not,
// share kept-alive connections.
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	s := fs.add(Script{Name: "one", Script: "x"})
	c := newTestClient(t, fs.URL())
	ctx := context.Background()
	for i := range 100 {
		var err error
		switch i % 4 {
		case 0:
			_, err = c.Get(ctx, s.ID)
		case 1:
			_, err = c.Get(ctx, "missing") // a 404 must not cost the connection
			if IsNotFound(err) {
				err = nil
			}
		case 2:
			_, err = c.List(ctx, ListOptions{Limit: 10})
		case 3:
			var res *InvokeResult
			res, err = c.Invoke(ctx, s.ID, nil)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		}
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if got := fs.count("", "/api/v2/"); got != 100 {
		t.Fatalf("server saw %d requests, want 100", got)
	}
	if n := fs.conns.Load(); n > 2 {
		t.Errorf("100 sequential requests opened %d connections, want at most 2", n)
	}
}

// TestConnectionReuseAcrossRetries: retried answers are drained, so the
// connection survives them.
func TestConnectionReuseAcrossRetries(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	s := fs.add(Script{Name: "one", Script: "x"})
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n%2 == 1 {
			writeAPIError(w, http.StatusServiceUnavailable, "unavailable", "try again")
			return true
		}
		return false
	}
	c := newTestClient(t, fs.URL())
	for i := range 20 {
		if _, err := c.Get(context.Background(), s.ID); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if got := fs.count(http.MethodGet, "/api/v2/scripts/"); got != 40 {
		t.Errorf("server saw %d GETs, want 40 (each retried once)", got)
	}
	if n := fs.conns.Load(); n > 2 {
		t.Errorf("opened %d connections, want at most 2", n)
	}
}

func TestLogBodies(t *testing.T) {
	t.Parallel()
	for _, logBodies := range []bool{false, true} {
		t.Run(fmt.Sprint(logBodies), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				// A server that (wrongly) echoes the token must not get it logged.
				writeJSON(w, http.StatusCreated, Script{ID: "1", Name: "n", Description: "echo " + testToken, Script: "secret-script-text"})
				return true
			}
			var logs logCapture
			c := newTestClient(t, fs.URL(), WithLogger(logs.fn, logBodies))
			if _, err := c.Create(context.Background(), ScriptCreate{Name: "n", Script: "secret-script-text", Language: "flux"}); err != nil {
				t.Fatal(err)
			}
			var bodies int
			for _, e := range logs.all() {
				all := fmt.Sprint(e.msg, e.fields)
				if strings.Contains(all, testToken) {
					t.Errorf("log event leaks the token: %s", all)
				}
				if strings.Contains(all, "secret-script-text") {
					bodies++
				}
			}
			if logBodies && bodies != 2 {
				t.Errorf("logged %d events with bodies, want 2 (request and response)", bodies)
			}
			if !logBodies && bodies != 0 {
				t.Errorf("logged %d events with bodies, want none", bodies)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"scripts": []Script{}})
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	plain := newFakeServer(t, APIScripts)

	cases := []struct {
		name     string
		url      string
		ca       string
		insecure bool
		wantErr  string
		wantHits int32
	}{
		{"trusted CA", srv.URL, caPEM, false, "", 1},
		{"verification skipped", srv.URL, "", true, "", 1},
		{"untrusted certificate is not retried", srv.URL, "", false, "certificate", 0},
		{"https to a plain http port is not retried", strings.Replace(plain.URL(), "http://", "https://", 1), "", false, "HTTP response to HTTPS client", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			c := newTestClient(t, tc.url, WithTLS(tc.ca, tc.insecure))
			_, err := c.List(context.Background(), ListOptions{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				var te *TransportError
				if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("List = %v, want a TransportError about %q", err, tc.wantErr)
				}
				if te.Attempts != 1 || strings.Contains(err.Error(), "attempts") {
					t.Errorf("a TLS failure was retried: %v", err)
				}
				assertNoToken(t, err)
			}
			if tc.url == srv.URL && hits.Load() != tc.wantHits {
				t.Errorf("server saw %d requests, want %d", hits.Load(), tc.wantHits)
			}
		})
	}
	if n := len(plain.requests()); n != 0 {
		t.Errorf("the plain server decoded %d requests", n)
	}
}

// TestTruncatedBody: the answer's headers arrive but its body is cut short.
func TestTruncatedBody(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return true
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
		_ = buf.Flush()
		_ = conn.Close()
		return true
	}
	c := newTestClient(t, fs.URL())
	_, err := c.Get(context.Background(), "abc")
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "reading response") || te.Attempts != 1 {
		t.Errorf("Get = %v, want a TransportError while reading the response", err)
	}
}
