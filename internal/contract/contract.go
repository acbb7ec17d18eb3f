// Package contract checks HTTP exchanges against InfluxData's OpenAPI
// contracts for the API the emulator serves, with kin-openapi:
//
//   - /api/v2/scripts...   invocable-scripts.yml (paths under server /api/v2)
//   - /api/v2/functions... managed-functions.yml (paths under server /api/v2)
//   - /api/v2/orgs, /ping, /api/v2/tasks, /api/v2/tasks/{taskID}
//     ref-cloud.yml (only those paths are taken)
//
// Two exceptions are allowed, each recognised narrowly:
//
//  1. GET /scripts answering 400 with the Cloud gateway's body
//     {"code":3,"message":"parsing field ...","details":[]}. The contract's own
//     example for that response breaks the contract's own Error schema (code
//     must be a string); the emulator reproduces the example.
//  2. /functions/{id}/invoke answering text/csv to a request whose Accept
//     ranks CSV above JSON: the functions contract declares only application/json, but the
//     functions-era docs asked for CSV and the emulator gives it (see the
//     emulator's doc.go).
//
// Responses with a status the operation does not list must match its
// "default" response; with no default they fail (the error then wraps
// ErrUndocumentedStatus).
//
// The package is for tests only: nothing in the provider binary imports it,
// which keeps kin-openapi out of that binary.
package contract

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// DirEnv overrides where the contracts are read from.
const DirEnv = "INFLUXDB_OPENAPI_DIR"

// The contracts travel with the repository (testdata/README.md says where
// and at which revision they were taken), so a clone alone can run every
// test. Embedding them means the loader cannot read anything outside the
// module unless DirEnv asks it to.
//
//go:embed testdata/invocable-scripts.yml testdata/managed-functions.yml testdata/ref-cloud.yml
var embedded embed.FS

// Source says where Default reads the contracts from: the directory named by
// $INFLUXDB_OPENAPI_DIR, or the copies embedded from testdata/.
func Source() (fs.FS, string) {
	if d := os.Getenv(DirEnv); d != "" {
		return os.DirFS(d), d
	}
	sub, err := fs.Sub(embedded, "testdata")
	if err != nil { // cannot happen: the directory is embedded above
		panic(err)
	}
	return sub, "internal/contract/testdata (embedded)"
}

// Default loads the contracts from Source once per process. Its error says
// where they were looked for and how to point elsewhere: the contracts are
// required test data, so callers fail on it rather than skip.
func Default() (*Set, error) {
	defaultOnce.Do(func() {
		fsys, where := Source()
		defaultSet, defaultErr = LoadFS(fsys)
		if defaultErr != nil {
			defaultErr = fmt.Errorf("the OpenAPI contracts are required test data and could not be loaded from %s: %w\n"+
				"Unset %s to use the copies in internal/contract/testdata, or set it to a directory that holds "+
				"invocable-scripts.yml, managed-functions.yml and ref-cloud.yml",
				where, defaultErr, DirEnv)
		}
	})
	return defaultSet, defaultErr
}

// Require is Default for tests: it fails tb, never skips it, when the
// contracts cannot be loaded.
func Require(tb testing.TB) *Set {
	tb.Helper()
	s, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var (
	defaultOnce sync.Once
	defaultSet  *Set
	defaultErr  error
)

// Set is the three contracts, ready to route and validate requests.
type Set struct {
	scripts   routers.Router
	functions routers.Router
	cloud     routers.Router
}

// Load reads invocable-scripts.yml, managed-functions.yml and ref-cloud.yml
// from dir.
func Load(dir string) (*Set, error) { return LoadFS(os.DirFS(dir)) }

// LoadFS reads the three contracts from the root of fsys.
func LoadFS(fsys fs.FS) (*Set, error) {
	load := func(file string) (*openapi3.T, error) {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", file, err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", file, err)
		}
		return doc, nil
	}
	// Examples are not validated: one example in invocable-scripts.yml
	// (the gateway-shaped 400) breaks its own schema.
	opts := []openapi3.ValidationOption{openapi3.DisableExamplesValidation()}
	underAPIv2 := func(file string) (routers.Router, error) {
		doc, err := load(file)
		if err != nil {
			return nil, err
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v2" {
			return nil, fmt.Errorf("%s: expected the single server /api/v2", file)
		}
		// kin-openapi cannot match a relative server URL, so the in-memory
		// copy drops it and routerFor strips /api/v2 from request paths.
		doc.Servers = nil
		r, err := legacy.NewRouter(doc, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return r, nil
	}
	var cs Set
	var err error
	if cs.scripts, err = underAPIv2("invocable-scripts.yml"); err != nil {
		return nil, err
	}
	if cs.functions, err = underAPIv2("managed-functions.yml"); err != nil {
		return nil, err
	}

	// ref-cloud.yml as a whole does not validate (its info has no version,
	// and some operations have invalid defaults), so a new in-memory
	// document takes just the paths the emulator serves from it.
	ref, err := load("ref-cloud.yml")
	if err != nil {
		return nil, err
	}
	if ref.Components == nil {
		return nil, errors.New("ref-cloud.yml has no components")
	}
	mini := &openapi3.T{
		OpenAPI:    ref.OpenAPI,
		Info:       &openapi3.Info{Title: "ref-cloud subset", Version: "0"},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{SecuritySchemes: ref.Components.SecuritySchemes},
	}
	for _, p := range []string{"/api/v2/orgs", "/ping", "/api/v2/tasks", "/api/v2/tasks/{taskID}"} {
		item := ref.Paths.Value(p)
		if item == nil {
			return nil, fmt.Errorf("ref-cloud.yml has no path %s", p)
		}
		copied := *item
		copied.Servers = nil // /ping declares server "", which kin-openapi rejects
		for _, op := range copied.Operations() {
			op.Servers = nil
			dropEmptyEnumDefaults(op)
		}
		mini.Paths.Set(p, &copied)
	}
	if cs.cloud, err = legacy.NewRouter(mini, opts...); err != nil {
		return nil, fmt.Errorf("ref-cloud.yml subset: %w", err)
	}
	return &cs, nil
}

// dropEmptyEnumDefaults removes a query parameter's default of "" when the
// parameter's enum does not allow it (GET /api/v2/tasks declares type with
// default "" and enum basic, system), which makes kin-openapi reject the
// whole document. A default only documents what the server assumes; the
// parameter's values are still checked against the enum. The operation
// belongs to this load's own copy of ref-cloud.yml.
func dropEmptyEnumDefaults(op *openapi3.Operation) {
	for i, ref := range op.Parameters {
		if ref == nil || ref.Value == nil || ref.Value.Schema == nil || ref.Value.Schema.Value == nil {
			continue
		}
		sch := ref.Value.Schema.Value
		if sch.Default == "" && len(sch.Enum) > 0 && !slices.Contains(sch.Enum, any("")) {
			p := *ref.Value
			sc := *sch
			sc.Default = nil
			p.Schema = &openapi3.SchemaRef{Value: &sc}
			op.Parameters[i] = &openapi3.ParameterRef{Value: &p}
		}
	}
}

// routerFor picks the contract for a request path and the path to look up
// in it; the router is nil when no contract covers the path.
func (s *Set) routerFor(path string) (routers.Router, string) {
	switch {
	case path == "/api/v2/scripts" || strings.HasPrefix(path, "/api/v2/scripts/"):
		return s.scripts, strings.TrimPrefix(path, "/api/v2")
	case path == "/api/v2/functions" || strings.HasPrefix(path, "/api/v2/functions/"):
		return s.functions, strings.TrimPrefix(path, "/api/v2")
	case path == "/api/v2/orgs" || path == "/ping", path == "/api/v2/tasks" || strings.HasPrefix(path, "/api/v2/tasks/"):
		return s.cloud, path
	}
	return nil, path
}

// Covers reports whether one of the contracts covers path. A covered path
// may still match no operation (another method, an undocumented sub-path).
func (s *Set) Covers(path string) bool {
	r, _ := s.routerFor(path)
	return r != nil
}

// ErrUncovered is wrapped by FindRoute's error for a path no contract covers.
var ErrUncovered = errors.New("no contract covers the path")

// ErrUndocumentedStatus is wrapped by CheckResponse's error when the
// operation lists neither the response's status nor a default response.
var ErrUndocumentedStatus = errors.New("the operation documents neither this status nor a default response")

// Route is the operation of a contract that a request belongs to.
type Route struct {
	route  *routers.Route
	params map[string]string
	path   string // the request path as the contract spells it
}

// FindRoute returns the operation for req's method and path. The error wraps
// ErrUncovered when no contract covers the path; otherwise it says why no
// operation of the covering contract matches.
func (s *Set) FindRoute(req *http.Request) (*Route, error) {
	router, path := s.routerFor(req.URL.Path)
	if router == nil {
		return nil, fmt.Errorf("%w: %s", ErrUncovered, req.URL.Path)
	}
	route, params, err := router.FindRoute(rewritePath(req, path))
	if err != nil {
		return nil, err
	}
	return &Route{route: route, params: params, path: path}, nil
}

// rewritePath is a copy of req (without a body) whose path is the contract's.
func rewritePath(req *http.Request, path string) *http.Request {
	out := req.Clone(req.Context())
	out.URL.Path, out.URL.RawPath = path, ""
	out.Body, out.GetBody, out.ContentLength = http.NoBody, nil, 0
	return out
}

// OperationID names the operation, e.g. "GetScripts".
func (r *Route) OperationID() string { return r.route.Operation.OperationID }

func (r *Route) input(req *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	vreq := rewritePath(req, r.path)
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	vreq.ContentLength = int64(len(body))
	return &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: r.params, Route: r.route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
}

// CheckRequest validates a request (method, URL, headers and body) against
// the operation. Security requirements are not checked: only that the
// request's form is the contract's.
func (r *Route) CheckRequest(ctx context.Context, req *http.Request, body []byte) error {
	return openapi3filter.ValidateRequest(ctx, r.input(req, body))
}

// CheckResponse validates the response to req (status, headers and body)
// against the operation, allowing the two documented deviations.
func (r *Route) CheckResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: r.input(req, nil),
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(ctx, in)
	if err == nil || allowedDeviation(r.route, req, status, header, body) {
		return nil
	}
	if resps := r.route.Operation.Responses; resps.Status(status) == nil && resps.Default() == nil {
		return fmt.Errorf("%w: %w", ErrUndocumentedStatus, err)
	}
	return err
}

// allowedDeviation recognises the two documented exceptions (see the package
// comment) and nothing else.
func allowedDeviation(route *routers.Route, req *http.Request, status int, header http.Header, body []byte) bool {
	switch route.Operation.OperationID {
	case "GetScripts":
		if status != http.StatusBadRequest {
			return false
		}
		var b map[string]json.RawMessage
		if json.Unmarshal(body, &b) != nil || len(b) != 3 {
			return false
		}
		var msg string
		_ = json.Unmarshal(b["message"], &msg)
		return string(b["code"]) == "3" && string(b["details"]) == "[]" && strings.HasPrefix(msg, `parsing field "`)
	case "GetFunctionsIDInvoke", "PostFunctionsIDInvoke":
		return status == http.StatusOK &&
			acceptRanksCSVFirst(req.Header.Values("Accept")) &&
			strings.HasPrefix(header.Get("Content-Type"), "text/csv")
	}
	return false
}

// acceptRanksCSVFirst reports whether Accept headers ask for CSV more than
// for JSON: a CSV type with a higher q than any JSON type. A wildcard counts
// for both, so it never makes CSV the first choice on its own.
func acceptRanksCSVFirst(accept []string) bool {
	csvQ, jsonQ := -1.0, -1.0
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil {
					continue
				}
			}
			switch mt {
			case "text/csv", "application/csv":
				csvQ = max(csvQ, q)
			case "application/json":
				jsonQ = max(jsonQ, q)
			case "*/*", "application/*": // covers application/json and application/csv
				jsonQ, csvQ = max(jsonQ, q), max(csvQ, q)
			case "text/*":
				csvQ = max(csvQ, q)
			}
		}
	}
	return csvQ > 0 && csvQ > jsonQ
}

// Exchange is one complete HTTP exchange.
type Exchange struct {
	// Request gives the method, URL and headers; its Body is not read.
	Request     *http.Request
	RequestBody []byte
	// Responded is false when there was no response to check (the
	// connection was dropped, or the client gave up before any answer):
	// then only the request is checked.
	Responded bool
	Status    int
	Header    http.Header
	Body      []byte
}

// What describes the request, "METHOD /path?query".
func (e *Exchange) What() string { return e.Request.Method + " " + e.Request.URL.RequestURI() }

// Part of an exchange that a Violation is about.
const (
	PartRoute    = "route"    // the method and path match no operation
	PartRequest  = "request"  // the request breaks its operation
	PartResponse = "response" // the response breaks its operation
)

// Violation is one way an exchange breaks its contract.
type Violation struct {
	Exchange *Exchange
	Part     string // PartRoute, PartRequest or PartResponse
	// Operation is the operation's id, empty for PartRoute.
	Operation string
	Err       error
}

func (v *Violation) Error() string {
	ex := v.Exchange
	switch v.Part {
	case PartRoute:
		return fmt.Sprintf("contract: %s matches no operation: %v", ex.What(), v.Err)
	case PartRequest:
		return fmt.Sprintf("contract: request %s breaks %s: %v\nbody: %s", ex.What(), v.Operation, v.Err, ex.RequestBody)
	default:
		return fmt.Sprintf("contract: response %d to %s breaks %s: %v\nbody: %s", ex.Status, ex.What(), v.Operation, v.Err, ex.Body)
	}
}

func (v *Violation) Unwrap() error { return v.Err }

// Check validates one exchange: that its method and path match an operation,
// the request, and the response if there was one. It returns nothing for a
// path that no contract covers.
func (s *Set) Check(ctx context.Context, ex *Exchange) []*Violation {
	if !s.Covers(ex.Request.URL.Path) {
		return nil
	}
	route, err := s.FindRoute(ex.Request)
	if err != nil {
		return []*Violation{{Exchange: ex, Part: PartRoute, Err: err}}
	}
	var out []*Violation
	if err := route.CheckRequest(ctx, ex.Request, ex.RequestBody); err != nil {
		out = append(out, &Violation{Exchange: ex, Part: PartRequest, Operation: route.OperationID(), Err: err})
	}
	if ex.Responded {
		if err := route.CheckResponse(ctx, ex.Request, ex.Status, ex.Header, ex.Body); err != nil {
			out = append(out, &Violation{Exchange: ex, Part: PartResponse, Operation: route.OperationID(), Err: err})
		}
	}
	return out
}
