package influxdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := []struct {
		name     string
		status   int
		header   string
		cap      time.Duration
		wantOK   bool
		min, max time.Duration // expected range of the wait
	}{
		{"no header", 429, "", time.Minute, false, 0, 0},
		{"seconds on 429", 429, "5", time.Minute, true, 5 * time.Second, 5 * time.Second},
		{"seconds on 503", 503, "7", time.Minute, true, 7 * time.Second, 7 * time.Second},
		{"padded", 429, " 3 ", time.Minute, true, 3 * time.Second, 3 * time.Second},
		{"zero", 429, "0", time.Minute, true, 0, 0},
		{"capped", 429, "300", 10 * time.Second, true, 10 * time.Second, 10 * time.Second},
		{"cap below a second", 429, "1", 50 * time.Millisecond, true, 50 * time.Millisecond, 50 * time.Millisecond},
		{"huge", 429, "9223372036854775807", time.Minute, true, time.Minute, time.Minute},
		{"beyond 64 bits", 429, "99999999999999999999999", time.Minute, true, time.Minute, time.Minute},
		{"negative", 429, "-1", time.Minute, false, 0, 0},
		{"fraction", 429, "1.5", time.Minute, false, 0, 0},
		{"garbage", 429, "soon", time.Minute, false, 0, 0},
		{"http date ahead", 429, now.Add(30 * time.Second).UTC().Format(http.TimeFormat), time.Minute, true, 28 * time.Second, 31 * time.Second},
		{"http date in RFC 850 form", 503, now.Add(30 * time.Second).UTC().Format("Monday, 02-Jan-06 15:04:05 GMT"), time.Minute, true, 28 * time.Second, 31 * time.Second},
		{"http date passed", 429, now.Add(-time.Hour).UTC().Format(http.TimeFormat), time.Minute, true, 0, 0},
		{"http date far ahead", 503, now.Add(24 * time.Hour).UTC().Format(http.TimeFormat), 5 * time.Minute, true, 5 * time.Minute, 5 * time.Minute},
		{"ignored on 502", 502, "5", time.Minute, false, 0, 0},
		{"ignored on 500", 500, "5", time.Minute, false, 0, 0},
		{"ignored on 200", 200, "5", time.Minute, false, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			if tc.header != "" {
				resp.Header.Set("Retry-After", tc.header)
			}
			wait, ok := retryAfter(resp, tc.cap)
			if ok != tc.wantOK {
				t.Fatalf("retryAfter(%q) ok = %v, want %v", tc.header, ok, tc.wantOK)
			}
			if wait < tc.min || wait > tc.max {
				t.Errorf("retryAfter(%q) = %s, want between %s and %s", tc.header, wait, tc.min, tc.max)
			}
		})
	}
	if w, ok := retryAfter(nil, time.Minute); ok || w != 0 {
		t.Errorf("retryAfter(nil) = %s, %v", w, ok)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{retryAfterCap: time.Minute}

	t.Run("exponential with full jitter", func(t *testing.T) {
		minW, maxW := time.Millisecond, 100*time.Millisecond
		for attempt := range 12 {
			ceiling := min(minW<<attempt, maxW)
			var nonZero bool
			for range 200 {
				w := c.backoff(minW, maxW, attempt, nil)
				if w < 0 || w > ceiling {
					t.Fatalf("attempt %d: wait %s outside [0, %s]", attempt, w, ceiling)
				}
				nonZero = nonZero || w > 0
			}
			if !nonZero {
				t.Errorf("attempt %d: 200 waits were all zero: no jitter", attempt)
			}
		}
	})
	t.Run("no overflow at high attempts", func(t *testing.T) {
		for _, minW := range []time.Duration{1, 3, time.Millisecond, 500 * time.Millisecond, 1<<40 + 1} {
			for _, attempt := range []int{-1, 30, 62, 63, 64, 65, 100, 1000} {
				w := c.backoff(minW, 30*time.Second, attempt, nil)
				if w < 0 || w > 30*time.Second {
					t.Errorf("min %s attempt %d: wait %s outside [0, 30s]", minW, attempt, w)
				}
			}
		}
	})
	t.Run("degenerate bounds", func(t *testing.T) {
		if w := c.backoff(0, 0, 3, nil); w != 0 {
			t.Errorf("zero bounds gave %s", w)
		}
		if w := c.backoff(0, time.Second, 0, nil); w < 0 || w > time.Second {
			t.Errorf("zero min gave %s", w)
		}
		// Must not panic on the largest duration.
		if w := c.backoff(time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), 0, nil); w < 0 {
			t.Errorf("max duration gave %s", w)
		}
	})
	t.Run("server's Retry-After wins", func(t *testing.T) {
		resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"2"}}}
		if w := c.backoff(time.Millisecond, 5*time.Millisecond, 0, resp); w != 2*time.Second {
			t.Errorf("wait = %s, want 2s from Retry-After (not capped by the backoff max)", w)
		}
		resp = &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3600"}}}
		if w := c.backoff(time.Millisecond, 5*time.Millisecond, 0, resp); w != time.Minute {
			t.Errorf("wait = %s, want the 1m cap", w)
		}
		resp = &http.Response{StatusCode: 502, Header: http.Header{"Retry-After": {"3600"}}}
		if w := c.backoff(time.Millisecond, 5*time.Millisecond, 0, resp); w > time.Millisecond {
			t.Errorf("wait = %s, want jitter: Retry-After counts only on 429 and 503", w)
		}
	})
}

// statusThenOK answers the first n requests of each method and path with
// status, then lets the fake answer.
func statusThenOK(status, n int, retryAfter string) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, count int) bool {
		if count > n {
			return false
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeAPIError(w, status, "unavailable", "try later")
		return true
	}
}

func TestRetryIdempotentRequests(t *testing.T) {
	t.Parallel()
	type op struct {
		name   string
		method string
		do     func(ctx context.Context, c *Client, id string) error
	}
	ops := []op{
		{"get", http.MethodGet, func(ctx context.Context, c *Client, id string) error { _, err := c.Get(ctx, id); return err }},
		{"list", http.MethodGet, func(ctx context.Context, c *Client, _ string) error { _, err := c.List(ctx, ListOptions{}); return err }},
		{"update", http.MethodPatch, func(ctx context.Context, c *Client, id string) error {
			_, err := c.Update(ctx, id, ScriptUpdate{Script: strPtr("s2")})
			return err
		}},
		{"delete", http.MethodDelete, func(ctx context.Context, c *Client, id string) error { return c.Delete(ctx, id) }},
		{"params", http.MethodGet, func(ctx context.Context, c *Client, id string) error { _, err := c.Params(ctx, id); return err }},
	}
	cases := []struct {
		status    int
		retried   bool
		wantCalls int
	}{
		{http.StatusTooManyRequests, true, 3},
		{http.StatusBadGateway, true, 3},
		{http.StatusServiceUnavailable, true, 3},
		{http.StatusGatewayTimeout, true, 3},
		{http.StatusInternalServerError, false, 1},
		{http.StatusNotImplemented, false, 1},
		{http.StatusBadRequest, false, 1},
		{http.StatusUnauthorized, false, 1},
	}
	for _, o := range ops {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s %d", o.name, tc.status), func(t *testing.T) {
				t.Parallel()
				fs := newFakeServer(t, APIScripts)
				s := fs.add(Script{Name: "n", Script: "s"})
				fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
					if r.Method != o.method || n > 2 {
						return false
					}
					writeAPIError(w, tc.status, "x", "failing")
					return true
				}
				c := newTestClient(t, fs.URL())
				err := o.do(context.Background(), c, s.ID)
				if tc.retried && err != nil {
					t.Fatalf("%s = %v, want success after retries", o.name, err)
				}
				if !tc.retried {
					var ae *APIError
					if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Attempts != 1 {
						t.Fatalf("%s = %v, want the %d after one attempt", o.name, err, tc.status)
					}
				}
				if got := fs.count(o.method, "/api/v2/scripts"); got != tc.wantCalls {
					t.Errorf("%d %s requests, want %d", got, o.method, tc.wantCalls)
				}
			})
		}
	}
}

func TestRetryBoundedByMaxRetries(t *testing.T) {
	t.Parallel()
	for _, maxRetries := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(maxRetries), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = statusThenOK(http.StatusServiceUnavailable, 1000, "")
			c := newTestClient(t, fs.URL(), WithMaxRetries(maxRetries))
			_, err := c.Get(context.Background(), "abc")
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != 503 {
				t.Fatalf("Get = %v, want the last 503", err)
			}
			want := maxRetries + 1
			if ae.Attempts != want || fs.count("", "/") != want {
				t.Errorf("attempts %d, server saw %d, want %d", ae.Attempts, fs.count("", "/"), want)
			}
			suffix := fmt.Sprintf("(after %d attempts)", want)
			if got := strings.HasSuffix(err.Error(), suffix); got != (want > 1) {
				t.Errorf("error %q: suffix %q present = %v", err, suffix, got)
			}
			if ae.Message != "try later" {
				t.Errorf("the last answer's body was not decoded: %+v", ae)
			}
		})
	}
}

func TestRetryConnectionErrors(t *testing.T) {
	t.Parallel()
	certErr := func() error {
		return &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	}
	hostErr := func() error { return x509.HostnameError{Host: "h", Certificate: &x509.Certificate{}} }
	notTLS := func() error { return tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"} }
	cases := []struct {
		name       string
		err        func() error
		failures   int32
		wantCalls  int32
		wantOK     bool
		wantSuffix string
	}{
		{"reset then ok", readErr, 2, 3, true, ""},
		{"refused then ok", dialErr, 1, 2, true, ""},
		{"reset every time", readErr, 100, 4, false, "(after 4 attempts)"},
		{"unknown authority", certErr, 100, 1, false, "certificate"},
		{"wrong host name", hostErr, 100, 1, false, "certificate"},
		{"https to an http port", notTLS, 100, 1, false, "TLS handshake"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			s := fs.add(Script{Name: "n", Script: "s"})
			ft := &failingTransport{next: http.DefaultTransport, err: tc.err, n: tc.failures}
			c := newTestClient(t, fs.URL(), WithTransport(ft))
			_, err := c.Get(context.Background(), s.ID)
			if tc.wantOK != (err == nil) {
				t.Fatalf("Get = %v, want ok %v", err, tc.wantOK)
			}
			if err != nil {
				var te *TransportError
				if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.wantSuffix) {
					t.Errorf("Get = %v (%T), want a TransportError with %q", err, err, tc.wantSuffix)
				}
				assertNoToken(t, err)
			}
			if got := ft.calls.Load(); got != tc.wantCalls {
				t.Errorf("%d round trips, want %d", got, tc.wantCalls)
			}
		})
	}
}

// TestRetryDroppedConnectionOnGet uses a real dropped connection.
func TestRetryDroppedConnectionOnGet(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	s := fs.add(Script{Name: "n", Script: "s"})
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			hijackClose(t, w)
			return true
		}
		return false
	}
	c := newTestClient(t, fs.URL())
	if _, err := c.Get(context.Background(), s.ID); err != nil {
		t.Fatalf("Get = %v, want success on the second attempt", err)
	}
	if n := fs.count(http.MethodGet, "/api/v2/scripts/"); n != 2 {
		t.Errorf("%d GETs, want 2", n)
	}
}

// TestCancelStopsWaiting: a long Retry-After does not hold a cancelled call.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	type call func(ctx context.Context, c *Client) error
	cases := []struct {
		name   string
		status int
		call   call
	}{
		{"get 429", 429, func(ctx context.Context, c *Client) error { _, err := c.Get(ctx, "abc"); return err }},
		{"get 503", 503, func(ctx context.Context, c *Client) error { _, err := c.Get(ctx, "abc"); return err }},
		{"create 429", 429, func(ctx context.Context, c *Client) error {
			_, err := c.Create(ctx, ScriptCreate{Name: "n", Script: "s"})
			return err
		}},
		{"create 503", 503, func(ctx context.Context, c *Client) error {
			_, err := c.Create(ctx, ScriptCreate{Name: "n", Script: "s"})
			return err
		}},
		{"invoke 429", 429, func(ctx context.Context, c *Client) error { _, err := c.Invoke(ctx, "abc", nil); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			arrived := make(chan struct{}, 10)
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				w.Header().Set("Retry-After", "3600")
				writeAPIError(w, tc.status, "x", "later")
				arrived <- struct{}{}
				return true
			}
			c := newTestClient(t, fs.URL(), WithRetryWait(time.Millisecond, 5*time.Millisecond, 2*time.Hour))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-arrived
				cancel()
			}()
			done := make(chan error, 1)
			go func() { done <- tc.call(ctx, c) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the call kept waiting after its context was cancelled")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			var te *TransportError
			if !errors.As(err, &te) {
				t.Errorf("err = %T, want *TransportError", err)
			}
			if n := len(fs.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestCancelDuringCreateBackoff: the wait between two create attempts
// (after an ambiguous failure and a lookup that found nothing) also ends
// with the context.
func TestCancelDuringCreateBackoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.Method == http.MethodPost {
			writeAPIError(w, http.StatusBadGateway, "x", "gateway")
			return true
		}
		cancel() // during the lookup, before the client can go on
		return false
	}
	c := newTestClient(t, fs.URL(), WithRetryWait(time.Hour, time.Hour, time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := c.Create(ctx, ScriptCreate{Name: "n", Script: "s"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Create = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Create kept waiting after its context was cancelled")
	}
	if n := fs.count(http.MethodPost, "/"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

func TestCreateRetries(t *testing.T) {
	t.Parallel()
	in := ScriptCreate{Name: "etl", Description: "d", Script: "from(bucket: params.b)", Language: "flux"}
	stored := Script{Name: in.Name, Description: in.Description, Script: in.Script, Language: in.Language}
	// storeThen makes the first POST store the script, then fail with fail.
	storeThen := func(fail func(t *testing.T, w http.ResponseWriter)) func(t *testing.T, fs *fakeServer) {
		return func(t *testing.T, fs *fakeServer) {
			fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if r.Method != http.MethodPost || n > 1 {
					return false
				}
				fs.add(stored)
				fail(t, w)
				return true
			}
		}
	}
	status := func(code int, retryAfter string) func(t *testing.T, w http.ResponseWriter) {
		return func(t *testing.T, w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeAPIError(w, code, "x", "failed")
		}
	}
	cases := []struct {
		name        string
		setup       func(t *testing.T, fs *fakeServer)
		transport   func() error // failures injected before the server
		wantPosts   int
		wantLists   int
		wantScripts int
		check       func(t *testing.T, got *Script, err error, fs *fakeServer)
	}{
		{name: "429 is retried", wantPosts: 2, wantLists: 0, wantScripts: 1,
			setup: func(t *testing.T, fs *fakeServer) { fs.before = postStatus(429, "0", 1) }},
		{name: "503 with Retry-After is retried", wantPosts: 2, wantLists: 0, wantScripts: 1,
			setup: func(t *testing.T, fs *fakeServer) { fs.before = postStatus(503, "1", 1) }},
		{name: "refused connection is retried", transport: dialErr, wantPosts: 1, wantLists: 0, wantScripts: 1},
		{name: "500 is not retried", wantPosts: 1, wantLists: 0, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) { fs.before = postStatus(500, "", 100) },
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 500 {
					t.Errorf("err = %v, want the 500", err)
				}
			}},
		{name: "422 on the first attempt is the conflict", wantPosts: 1, wantLists: 0, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) { fs.add(Script{Name: in.Name, Script: "other"}) },
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				if !IsConflict(err) {
					t.Errorf("err = %v, want a conflict", err)
				}
			}},
		{name: "502 after storing: adopted", setup: storeThen(status(502, "")), wantPosts: 1, wantLists: 1, wantScripts: 1},
		{name: "504 after storing: adopted", setup: storeThen(status(504, "")), wantPosts: 1, wantLists: 1, wantScripts: 1},
		{name: "503 without Retry-After after storing: adopted", setup: storeThen(status(503, "")), wantPosts: 1, wantLists: 1, wantScripts: 1},
		{name: "connection dropped after storing: adopted", setup: storeThen(hijackClose), wantPosts: 1, wantLists: 1, wantScripts: 1},
		{name: "reset after sending: adopted", transport: readErr, wantPosts: 0, wantLists: 1, wantScripts: 1,
			setup: func(t *testing.T, fs *fakeServer) { fs.add(stored) }},
		{name: "ambiguous, nothing stored: sent again", wantPosts: 2, wantLists: 1, wantScripts: 1,
			setup: func(t *testing.T, fs *fakeServer) { fs.before = postStatus(503, "", 1) }},
		{name: "ambiguous, a different script has the name", wantPosts: 1, wantLists: 1, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) {
				fs.add(Script{ID: "0b00000000000001", Name: in.Name, Description: in.Description, Script: "something else", Language: "flux"})
				fs.before = postStatus(502, "", 1)
			},
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				var ee *ExistingScriptError
				if !errors.As(err, &ee) || ee.ID != "0b00000000000001" || ee.Name != in.Name || ee.OrgID != testOrgID {
					t.Errorf("err = %v, want an ExistingScriptError naming the other script", err)
				}
			}},
		{name: "ambiguous, same name but another language", wantPosts: 1, wantLists: 1, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) {
				fs.add(Script{Name: in.Name, Description: in.Description, Script: in.Script, Language: "sql"})
				fs.before = postStatus(504, "", 1)
			},
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				var ee *ExistingScriptError
				if !errors.As(err, &ee) {
					t.Errorf("err = %v, want an ExistingScriptError", err)
				}
			}},
		{name: "stored but not listed yet, then 422: adopted", wantPosts: 2, wantLists: 2, wantScripts: 1,
			setup: func(t *testing.T, fs *fakeServer) {
				fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
					if r.Method != http.MethodPost || n > 1 {
						return false
					}
					fs.add(stored)
					fs.mu.Lock()
					fs.hideNames[in.Name] = 1 // the next list does not show it yet
					fs.mu.Unlock()
					writeAPIError(w, http.StatusBadGateway, "x", "gateway")
					return true
				}
			}},
		{name: "ambiguous every time: gives up", wantPosts: 4, wantLists: 4, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) { fs.before = postStatus(502, "", 100) },
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 502 {
					t.Errorf("err = %v, want the last 502", err)
				}
			}},
		{name: "lookup fails too", wantPosts: 1, wantLists: 1, wantScripts: 0,
			setup: func(t *testing.T, fs *fakeServer) {
				fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
					if r.Method == http.MethodPost {
						writeAPIError(w, http.StatusGatewayTimeout, "x", "timeout")
					} else {
						writeAPIError(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
					}
					return true
				}
			},
			check: func(t *testing.T, _ *Script, err error, _ *fakeServer) {
				if err == nil || !strings.Contains(err.Error(), "HTTP 504") || !strings.Contains(err.Error(), "looking the name up afterwards also failed: list scripts: HTTP 401") {
					t.Errorf("err = %v, want both failures", err)
				}
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != http.StatusGatewayTimeout {
					t.Errorf("the create's own failure does not come first: %v", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			if tc.setup != nil {
				tc.setup(t, fs)
			}
			var opts []Option
			if tc.transport != nil {
				opts = append(opts, WithTransport(&failingTransport{next: http.DefaultTransport, err: tc.transport, n: 1}))
			}
			c := newTestClient(t, fs.URL(), opts...)
			got, err := c.Create(context.Background(), in)
			assertNoToken(t, err)
			if tc.check != nil {
				tc.check(t, got, err, fs)
			} else {
				if err != nil {
					t.Fatalf("Create = %v", err)
				}
				if got.ID == "" || got.Name != in.Name || got.Script != in.Script {
					t.Errorf("Create = %+v", got)
				}
				if all := fs.snapshot(); len(all) == 1 && all[0].ID != got.ID {
					t.Errorf("Create returned %s, but the server holds %s", got.ID, all[0].ID)
				}
			}
			if n := fs.count(http.MethodPost, "/api/v2/scripts"); n != tc.wantPosts {
				t.Errorf("%d POSTs reached the server, want %d", n, tc.wantPosts)
			}
			if n := fs.count(http.MethodGet, "/api/v2/scripts"); n != tc.wantLists {
				t.Errorf("%d lookups, want %d", n, tc.wantLists)
			}
			var named int
			for _, s := range fs.snapshot() {
				if s.Name == in.Name && s.Script == in.Script && s.Language == in.Language {
					named++
				}
			}
			if named != tc.wantScripts {
				t.Errorf("the server holds %d copies of the script, want %d", named, tc.wantScripts)
			}
		})
	}
}

// scriptedPOSTs plays one outcome per POST attempt, in order, whether or not
// the attempt reaches the server: "refused" (a dial error), "reset" (the
// connection fails after sending) and "timeout" fail in the transport;
// every other outcome travels to the server in the X-Test-Outcome header
// for answerOutcome. Attempts beyond the list succeed.
type scriptedPOSTs struct {
	next     http.RoundTripper
	outcomes []string
	posts    atomic.Int32
}

func (p *scriptedPOSTs) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost {
		return p.next.RoundTrip(r)
	}
	k := int(p.posts.Add(1)) - 1
	outcome := "ok"
	if k < len(p.outcomes) {
		outcome = p.outcomes[k]
	}
	var err error
	switch outcome {
	case "refused":
		err = dialErr()
	case "reset":
		err = readErr()
	case "timeout":
		err = &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}
	}
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Outcome", outcome)
	return p.next.RoundTrip(r)
}

// answerOutcome answers a POST as its X-Test-Outcome header says: "429" and
// "503ra" with Retry-After: 0 (the server did not act), "502", "503", "504"
// bare, "drop" by closing the connection; "ok" lets the fake create.
func answerOutcome(t *testing.T) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, _ int) bool {
		switch o := r.Header.Get("X-Test-Outcome"); o {
		case "", "ok":
			return false
		case "drop":
			hijackClose(t, w)
		case "429", "503ra":
			w.Header().Set("Retry-After", "0")
			writeAPIError(w, map[string]int{"429": 429, "503ra": 503}[o], "x", "not now")
		default:
			status, err := strconv.Atoi(o)
			if err != nil {
				t.Errorf("unknown outcome %q", o)
			}
			writeAPIError(w, status, "x", "failed")
		}
		return true
	}
}

// TestCreateSharesOneAttemptBudget: however the failures of one Create mix
// (retried inside one request or after an ambiguous failure and a lookup),
// it sends at most max_retries + 1 POSTs, and its error counts them all.
func TestCreateSharesOneAttemptBudget(t *testing.T) {
	t.Parallel()
	in := ScriptCreate{Name: "etl", Description: "d", Script: "from(bucket: params.b)", Language: "flux"}
	alternate := func(a, b string) []string {
		out := make([]string, 40) // far more than any budget here
		for i := range out {
			out[i] = a
			if i%2 == 1 {
				out[i] = b
			}
		}
		return out
	}
	repeat := func(o string) []string { return alternate(o, o) }
	cases := []struct {
		name         string
		maxRetries   int
		outcomes     []string
		wantAttempts int    // POST attempts, reaching the server or not
		wantLookups  int    // list requests after ambiguous failures
		wantErr      string // "" means success
	}{
		{"429,502,… max 3", 3, alternate("429", "502"), 4, 2, "HTTP 502"},
		{"429,502,… max 5", 5, alternate("429", "502"), 6, 3, "HTTP 502"},
		{"502,429,… max 3", 3, alternate("502", "429"), 4, 2, "HTTP 429"},
		{"502,429,… max 5", 5, alternate("502", "429"), 6, 3, "HTTP 429"},
		{"503 with Retry-After,504,… max 3", 3, alternate("503ra", "504"), 4, 2, "HTTP 504"},
		{"refused,reset,… max 5", 5, alternate("refused", "reset"), 6, 3, "connection reset"},
		{"drop,429,… max 3", 3, alternate("drop", "429"), 4, 2, "HTTP 429"},
		{"timeout,503,… max 5", 5, alternate("timeout", "503"), 6, 6, "HTTP 503"},
		{"all 429 max 5", 5, repeat("429"), 6, 0, "HTTP 429"},
		{"all 502 max 5", 5, repeat("502"), 6, 6, "HTTP 502"},
		{"every kind max 3", 3, []string{"503ra", "504", "refused", "reset", "ok"}, 4, 2, "connection reset"},
		{"every kind max 5", 5, []string{"502", "503", "504", "drop", "timeout", "429", "ok"}, 6, 5, "HTTP 429"},
		{"mixed, then ok on the last attempt, max 3", 3, []string{"429", "502", "429", "ok"}, 4, 1, ""},
		{"mixed, then ok on the last attempt, max 5", 5, []string{"timeout", "refused", "drop", "503ra", "504", "ok"}, 6, 3, ""},
		{"max 0, 502", 0, repeat("502"), 1, 1, "HTTP 502"},
		{"max 0, 429", 0, repeat("429"), 1, 0, "HTTP 429"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs logCapture
			fs := newFakeServer(t, APIScripts)
			fs.before = answerOutcome(t)
			rt := &scriptedPOSTs{next: http.DefaultTransport, outcomes: tc.outcomes}
			c := newTestClient(t, fs.URL(), WithTransport(rt), WithMaxRetries(tc.maxRetries), WithLogger(logs.fn, false))
			got, err := c.Create(context.Background(), in)
			assertNoToken(t, err)

			if n := int(rt.posts.Load()); n != tc.wantAttempts {
				t.Errorf("%d POST attempts, want %d (max_retries %d)", n, tc.wantAttempts, tc.maxRetries)
			}
			if n := fs.count(http.MethodGet, "/api/v2/scripts"); n != tc.wantLookups {
				t.Errorf("%d lookups, want %d", n, tc.wantLookups)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Create = %v, want success", err)
				}
				if all := fs.snapshot(); len(all) != 1 || all[0].ID != got.ID {
					t.Errorf("Create = %+v; the server holds %+v", got, all)
				}
			} else {
				if err == nil {
					t.Fatalf("Create = %+v, want an error with %q", got, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want %q", err, tc.wantErr)
				}
				suffix := fmt.Sprintf("(after %d attempts)", tc.wantAttempts)
				if has := strings.Contains(err.Error(), suffix); has != (tc.wantAttempts > 1) {
					t.Errorf("err = %q: %q present = %v", err, suffix, has)
				}
				if tc.wantAttempts == 1 && strings.Contains(err.Error(), "attempts") {
					t.Errorf("err = %q names attempts after a single one", err)
				}
				var ae *APIError
				var te *TransportError
				switch {
				case errors.As(err, &ae):
					if ae.Attempts != tc.wantAttempts {
						t.Errorf("APIError.Attempts = %d, want %d", ae.Attempts, tc.wantAttempts)
					}
				case errors.As(err, &te):
					if te.Attempts != tc.wantAttempts {
						t.Errorf("TransportError.Attempts = %d, want %d", te.Attempts, tc.wantAttempts)
					}
				default:
					t.Errorf("err = %T, want an *APIError or a *TransportError", err)
				}
				if len(fs.snapshot()) != 0 {
					t.Errorf("the server holds %+v", fs.snapshot())
				}
			}

			// Every attempt but the last is followed by one retry, logged
			// with its number in the whole Create.
			var numbers []any
			for _, e := range logs.all() {
				if e.msg == "retrying InfluxDB request" || e.msg == "retrying create after an ambiguous failure" {
					numbers = append(numbers, e.fields["attempt"])
					if e.fields["max_attempts"] != tc.maxRetries+1 {
						t.Errorf("%q: max_attempts %v, want %d", e.msg, e.fields["max_attempts"], tc.maxRetries+1)
					}
				}
			}
			var want []any
			for i := 1; i < tc.wantAttempts; i++ {
				want = append(want, i)
			}
			if fmt.Sprint(numbers) != fmt.Sprint(want) {
				t.Errorf("retries logged after attempts %v, want %v", numbers, want)
			}
		})
	}
}

// postStatus answers the first n POSTs with status (and Retry-After).
func postStatus(status int, retryAfter string, n int) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, count int) bool {
		if r.Method != http.MethodPost || count > n {
			return false
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeAPIError(w, status, "x", "failed")
		return true
	}
}

func TestCreateRetriesOnFunctions(t *testing.T) {
	t.Parallel()
	in := ScriptCreate{Name: "etl", Description: "d", Script: "s", Language: "flux", OrgID: testOrgID}
	fs := newFakeServer(t, APIFunctions)
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method == http.MethodPost && n == 1 {
			fs.add(Script{Name: in.Name, Description: in.Description, Script: in.Script, Language: in.Language})
			writeAPIError(w, http.StatusBadGateway, "x", "gateway")
			return true
		}
		return false
	}
	c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
	got, err := c.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.snapshot()) != 1 || got.ID != fs.snapshot()[0].ID {
		t.Errorf("Create = %+v, want the stored script adopted", got)
	}
	lists := 0
	for _, r := range fs.requests() {
		if r.Method == http.MethodGet {
			lists++
			if r.Query.Get("orgID") != testOrgID {
				t.Errorf("lookup without the organization: %v", r.Query)
			}
		}
	}
	if lists != 1 {
		t.Errorf("%d lookups, want 1", lists)
	}
}

func TestInvokeRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		retryAfter string
		transport  func() error
		wantCalls  int
		wantOK     bool
	}{
		{"429 is retried", 429, "0", nil, 2, true},
		{"429 without Retry-After is retried", 429, "", nil, 2, true},
		{"503 is not retried", 503, "", nil, 1, false},
		{"503 with Retry-After is not retried", 503, "1", nil, 1, false},
		{"502 is not retried", 502, "", nil, 1, false},
		{"504 is not retried", 504, "", nil, 1, false},
		{"500 is not retried", 500, "", nil, 1, false},
		{"refused connection is retried", 0, "", dialErr, 1, true},
		{"reset connection is not retried", 0, "", readErr, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			s := fs.add(Script{Name: "n", Script: "s"})
			if tc.status != 0 {
				fs.before = postStatus(tc.status, tc.retryAfter, 1)
			}
			var opts []Option
			if tc.transport != nil {
				opts = append(opts, WithTransport(&failingTransport{next: http.DefaultTransport, err: tc.transport, n: 1}))
			}
			c := newTestClient(t, fs.URL(), opts...)
			res, err := c.Invoke(context.Background(), s.ID, map[string]any{"a": 1})
			if res != nil {
				_ = res.Body.Close()
			}
			if tc.wantOK != (err == nil) {
				t.Fatalf("Invoke = %v, want ok %v", err, tc.wantOK)
			}
			if n := fs.count(http.MethodPost, "/"); n != tc.wantCalls {
				t.Errorf("%d invocations reached the server, want %d", n, tc.wantCalls)
			}
			if tc.status == 503 {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Attempts != 1 || strings.Contains(err.Error(), "attempts") {
					t.Errorf("err = %v, want one attempt", err)
				}
			}
		})
	}
}

type ctxKey struct{}

// TestRetryLogging captures every debug event: each retry is logged with
// the caller's context, the attempt, the status (or error) and the wait,
// and the token appears nowhere.
func TestRetryLogging(t *testing.T) {
	t.Parallel()
	var logs logCapture
	fs := newFakeServer(t, APIScripts)
	s := fs.add(Script{Name: "n", Script: "s"})
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/api/v2/scripts/"+s.ID && n <= 2 {
			w.Header().Set("Retry-After", "0")
			writeAPIError(w, http.StatusTooManyRequests, "too many requests", "slow down "+testToken)
			return true
		}
		if r.Method == http.MethodPost && n == 1 {
			writeAPIError(w, http.StatusBadGateway, "x", "gateway")
			return true
		}
		return false
	}
	ft := &failingTransport{next: http.DefaultTransport, err: readErr, n: 0}
	c := newTestClient(t, fs.URL(), WithLogger(logs.fn, false), WithAPI(APIAuto), WithTransport(ft))
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")

	// Detection (first call) and the GET itself: 2 × 429, then OK.
	if _, err := c.Get(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	retries := logs.withMsg("retrying InfluxDB request")
	if len(retries) != 2 {
		t.Fatalf("%d retry events, want 2: %+v", len(retries), logs.all())
	}
	for i, e := range retries {
		f := e.fields
		if f["attempt"] != i+1 || f["status"] != 429 || f["method"] != "GET" || f["max_attempts"] != 4 {
			t.Errorf("retry %d fields = %v", i, f)
		}
		if f["path"] != "/api/v2/scripts/"+s.ID {
			t.Errorf("retry %d path = %v", i, f["path"])
		}
		if w, err := time.ParseDuration(fmt.Sprint(f["wait"])); err != nil || w != 0 {
			t.Errorf("retry %d wait = %v, want the server's 0s", i, f["wait"])
		}
		if e.ctx.Value(ctxKey{}) != "caller" {
			t.Errorf("retry %d logged without the caller's context", i)
		}
	}

	// Connection errors: no response to take a context from.
	ft.calls.Store(0)
	ft.n = 2
	if _, err := c.List(ctx, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	retries = logs.withMsg("retrying InfluxDB request")[2:]
	if len(retries) != 2 {
		t.Fatalf("%d retry events for connection errors, want 2", len(retries))
	}
	for i, e := range retries {
		if e.ctx.Value(ctxKey{}) != "caller" {
			t.Errorf("connection retry %d logged without the caller's context", i)
		}
		if !strings.Contains(fmt.Sprint(e.fields["error"]), "connection reset") || e.fields["attempt"] != i+1 {
			t.Errorf("connection retry %d fields = %v", i, e.fields)
		}
		if w, err := time.ParseDuration(fmt.Sprint(e.fields["wait"])); err != nil || w < 0 || w > 5*time.Millisecond {
			t.Errorf("connection retry %d wait = %v, want the backoff's jitter", i, e.fields["wait"])
		}
	}

	// Create's own retry after an ambiguous failure.
	if _, err := c.Create(ctx, ScriptCreate{Name: "new", Script: "x", Language: "flux"}); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"create failed ambiguously; looking the name up before trying again", "retrying create after an ambiguous failure"} {
		events := logs.withMsg(msg)
		if len(events) != 1 {
			t.Errorf("%d %q events, want 1", len(events), msg)
			continue
		}
		if events[0].ctx.Value(ctxKey{}) != "caller" {
			t.Errorf("%q logged without the caller's context", msg)
		}
	}
	if len(logs.withMsg("detected InfluxDB scripts API generation")) != 1 {
		t.Error("detection was not logged once")
	}

	for _, e := range logs.all() {
		if s := fmt.Sprintf("%s %v %#v", e.msg, e.fields, e.fields); strings.Contains(s, testToken) {
			t.Errorf("log event leaks the token: %s", s)
		}
	}
}
