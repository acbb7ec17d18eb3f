// Package influxdb is a small client for the InfluxDB Cloud API-invocable
// scripts API. It speaks both generations of that API (/api/v2/scripts and the
// older /api/v2/functions) behind one set of methods, retries what is safe to
// retry, and pages through lists. It imports nothing from Terraform: the
// provider adapts its logger and turns its errors into diagnostics.
package influxdb

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults used when an option does not say otherwise.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 5
	defaultUserAgent  = "terraform-provider-influxdb/dev"

	// maxErrorBody bounds how much of an error response is read: error bodies
	// are small JSON documents, or a proxy's HTML page we only quote from.
	maxErrorBody = 64 << 10
	// maxJSONBody bounds a successful JSON response. A full list page of 500
	// scripts stays far below this; anything larger is not the API talking.
	maxJSONBody = 256 << 20
)

// LogFunc receives the client's debug events. Fields never contain the token
// or request and response bodies unless body logging was enabled explicitly.
type LogFunc func(ctx context.Context, msg string, fields map[string]any)

// Client talks to one InfluxDB server with one token. It is safe for
// concurrent use; create one per provider configuration and reuse it, so that
// connections are kept alive across requests.
type Client struct {
	baseURL    *url.URL
	token      string
	userAgent  string
	httpClient *http.Client // shared by all requests, so connections are kept alive
	maxRetries int
	log        LogFunc
	logBodies  bool

	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	retryAfterCap time.Duration

	api      API
	detectMu sync.Mutex
	detected API // the generation auto-detection settled on; "" until then

	batchReads bool
	batch      batch // batched reads and their listings (batch.go)

	orgMu    sync.Mutex
	orgsSeen map[string]bool // organization IDs the token is known to see
}

// Option configures a Client.
type Option func(*clientConfig) error

type clientConfig struct {
	userAgent          string
	timeout            time.Duration
	maxRetries         int
	insecureSkipVerify bool
	caPEM              string
	api                API
	log                LogFunc
	logBodies          bool
	transport          http.RoundTripper
	retryWaitMin       time.Duration
	retryWaitMax       time.Duration
	retryAfterCap      time.Duration
	batchReads         bool
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *clientConfig) error { c.userAgent = ua; return nil }
}

// WithTimeout bounds each HTTP attempt (connect, send, and read the answer).
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) error {
		if d <= 0 {
			return fmt.Errorf("timeout must be positive, got %s", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxRetries sets how many times a failed request may be retried.
func WithMaxRetries(n int) Option {
	return func(c *clientConfig) error {
		if n < 0 {
			return fmt.Errorf("max_retries must be zero or more, got %d", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the backoff bounds: the first retry waits at most min,
// later ones grow exponentially up to max (full jitter). A Retry-After header
// from the server takes precedence, capped at capRetryAfter.
func WithRetryWait(minWait, maxWait, capRetryAfter time.Duration) Option {
	return func(c *clientConfig) error {
		if minWait < 0 || maxWait < minWait || capRetryAfter < 0 {
			return fmt.Errorf("retry waits must satisfy 0 <= min <= max and cap >= 0, got min %s, max %s, cap %s", minWait, maxWait, capRetryAfter)
		}
		c.retryWaitMin, c.retryWaitMax, c.retryAfterCap = minWait, maxWait, capRetryAfter
		return nil
	}
}

// WithTLS configures certificate verification: an extra trusted CA in PEM
// form, and/or skipping verification altogether.
func WithTLS(caPEM string, insecureSkipVerify bool) Option {
	return func(c *clientConfig) error {
		c.caPEM, c.insecureSkipVerify = caPEM, insecureSkipVerify
		return nil
	}
}

// WithAPI chooses the API generation: APIScripts, APIFunctions or APIAuto.
func WithAPI(api API) Option {
	return func(c *clientConfig) error {
		switch api {
		case APIAuto, APIScripts, APIFunctions:
			c.api = api
			return nil
		case "":
			c.api = APIAuto
			return nil
		}
		return fmt.Errorf("unknown scripts API %q: use %q, %q or %q", api, APIAuto, APIScripts, APIFunctions)
	}
}

// WithLogger sets the debug logger. logBodies additionally logs request and
// response bodies (they may hold personal data, so this is off by default).
func WithLogger(log LogFunc, logBodies bool) Option {
	return func(c *clientConfig) error { c.log, c.logBodies = log, logBodies; return nil }
}

// WithBatchReads lets Read answer a burst of reads from list pages (see
// batch.go). Off by default; the provider turns it on unless told not to.
func WithBatchReads(on bool) Option {
	return func(c *clientConfig) error { c.batchReads = on; return nil }
}

// WithTransport replaces the HTTP transport (tests use it to count
// connections or inject failures).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *clientConfig) error { c.transport = rt; return nil }
}

// New returns a client for the server at baseURL (scheme and host, optionally
// a path prefix) authenticating with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("token must not be empty")
	}
	cfg := clientConfig{
		userAgent:     defaultUserAgent,
		timeout:       DefaultTimeout,
		maxRetries:    DefaultMaxRetries,
		api:           APIAuto,
		retryWaitMin:  500 * time.Millisecond,
		retryWaitMax:  30 * time.Second,
		retryAfterCap: 5 * time.Minute, // Cloud's rate-limit window
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}

	transport := cfg.transport
	if transport == nil {
		t, err := newTransport(cfg.caPEM, cfg.insecureSkipVerify)
		if err != nil {
			return nil, err
		}
		transport = t
	}

	c := &Client{
		baseURL:       u,
		token:         token,
		userAgent:     cfg.userAgent,
		httpClient:    &http.Client{Transport: transport, Timeout: cfg.timeout},
		maxRetries:    cfg.maxRetries,
		log:           cfg.log,
		logBodies:     cfg.logBodies,
		retryWaitMin:  cfg.retryWaitMin,
		retryWaitMax:  cfg.retryWaitMax,
		retryAfterCap: cfg.retryAfterCap,
		api:           cfg.api,
		batchReads:    cfg.batchReads,
		orgsSeen:      map[string]bool{},
	}
	if c.api != APIAuto {
		c.detected = c.api
	}
	return c, nil
}

// retrier returns the retrying client for one request. It is built per
// request so that the backoff hook can log with the caller's context (which
// the provider's logger needs) even when there is no response to take it
// from; the underlying *http.Client, and so its connection pool, is shared.
//
// The hooks are closures over state, the bookkeeping of this one request:
// state.maxAttempts bounds its attempts, and state.base counts the attempts
// the same operation made before it (a create that already tried), so that
// the backoff keeps growing and the logs number attempts across the whole
// operation.
func (c *Client) retrier(ctx context.Context, state *attemptState) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       nil, // we log through c.log
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     state.maxAttempts - 1,
		CheckRetry:   state.checkRetry,
		Backoff: func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
			attempt += state.base
			wait := c.backoff(minWait, maxWait, attempt, resp)
			c.logRetry(ctx, state, attempt, resp, wait)
			return wait
		},
		ErrorHandler: giveUp,
		// Retries are logged from the backoff hook, where the wait is known.
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) { state.attempts++ },
	}
}

// ParseBaseURL checks that raw is an absolute http(s) URL with a host and no
// query, and returns it with a path that ends in "/".
//
// Error messages never repeat the credentials, query or fragment of raw: a
// token pasted there must not end up in a diagnostic.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the whole URL
		}
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q must start with http:// or https://", safeURL(u))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("URL %q has no host", safeURL(u))
	}
	if u.User != nil {
		return nil, errors.New("URL must not contain credentials; use the token setting")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q must not have a query or fragment", safeURL(u))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// safeURL renders u for an error message without user info, query or fragment.
func safeURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = nil, "", false, "", ""
	if v.Opaque != "" {
		return v.Scheme + ":…"
	}
	return v.String()
}

// IsLoopback reports whether the URL's host is a loopback address or
// "localhost", where plain http does not expose the token to a network.
func IsLoopback(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newTransport(caPEM string, insecure bool) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{}
	}
	t := base.Clone()
	// Terraform runs up to ten operations at once against one host; keep
	// enough idle connections for all of them so none is re-dialled.
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	t.Proxy = http.ProxyFromEnvironment
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("ca_certificate holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	if insecure {
		tlsCfg.InsecureSkipVerify = true //nolint:gosec // the user asked for it, and the provider warns
	}
	t.TLSClientConfig = tlsCfg
	return t, nil
}

// request describes one API call before it is sent.
type request struct {
	op     string // what the caller is doing, for error messages ("create script")
	method string
	path   string // relative to the base URL, e.g. "api/v2/scripts"
	query  url.Values
	body   any // JSON-encoded when non-nil
	accept string
	policy retryPolicy
	// budget, when set, is the attempt budget of the operation this request
	// belongs to (see budget): the request spends from it. Without one it
	// may be sent max_retries + 1 times.
	budget *budget
}

// newRequest builds the HTTP request for r, bound to ctx.
func (c *Client) newRequest(ctx context.Context, r *request) (*retryablehttp.Request, error) {
	// r.path is already escaped (ids go through url.PathEscape), so parse it
	// rather than assigning it to URL.Path, which would escape it again.
	rel, err := url.Parse(r.path)
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", r.op, err)
	}
	u := c.baseURL.ResolveReference(rel)
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", r.op, err)
		}
		body = b
	}
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), rawBody)
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", r.op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Authorization", "Token "+c.token)
	if c.logBodies && body != nil {
		c.debug(ctx, "request body", map[string]any{"op": r.op, "body": c.redact(string(body))})
	}
	return req, nil
}

// send performs the request with retries and turns any non-2xx answer into
// an *APIError. On success the caller owns resp.Body. A request with a
// budget spends its attempts from it, at least one even when it failed
// before it was sent. It also reports how many times the request was sent.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, int, error) {
	state := &attemptState{policy: r.policy, maxAttempts: c.maxRetries + 1}
	if r.budget != nil {
		state.maxAttempts, state.base = r.budget.left(), r.budget.used
	}
	resp, err := c.sendAttempts(ctx, r, state)
	if r.budget != nil {
		r.budget.used += max(state.attempts, 1)
	}
	return resp, state.attempts, err
}

func (c *Client) sendAttempts(ctx context.Context, r *request, state *attemptState) (*http.Response, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.retrier(ctx, state).Do(req)
	attempts := state.attempts
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, &TransportError{Op: r.op, Attempts: attempts, Err: ctxErr}
		}
		return nil, &TransportError{Op: r.op, Attempts: attempts, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer func() { _ = resp.Body.Close() }()
	return nil, decodeAPIError(r.op, resp, attempts, c.token)
}

// do performs the request and decodes a JSON answer into v (when v is not
// nil). A body that is not the JSON we expect is an error that names the
// operation and the HTTP status.
func (c *Client) do(ctx context.Context, r *request, v any) error {
	resp, attempts, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONBody))
	if err != nil {
		return &TransportError{Op: r.op, Attempts: attempts, Err: fmt.Errorf("reading response: %w", err)}
	}
	if c.logBodies {
		c.debug(ctx, "response body", map[string]any{"op": r.op, "status": resp.StatusCode, "body": c.redact(string(data))})
	}
	if v == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &DecodeError{Op: r.op, StatusCode: resp.StatusCode, Err: errors.New("empty response body")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return &DecodeError{Op: r.op, StatusCode: resp.StatusCode, Err: err, Snippet: snippet(data, c.token)}
	}
	return nil
}

// redact removes the token from text that came from the server.
func (c *Client) redact(s string) string { return Redact(s, c.token) }

func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.log != nil {
		c.log(ctx, msg, fields)
	}
}
