package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// API names a generation of the invocable scripts API.
type API string

const (
	// APIAuto detects the generation with one list request, once per client.
	APIAuto API = "auto"
	// APIScripts is /api/v2/scripts, what InfluxDB Cloud serves today.
	APIScripts API = "scripts"
	// APIFunctions is /api/v2/functions, the generation of the original guide.
	APIFunctions API = "functions"
)

// Capabilities is what the layers above need to know about a generation,
// without knowing which one it is.
type Capabilities struct {
	API       API
	Params    bool     // GET .../params exists
	Languages []string // what create accepts
}

// generation holds the wire differences between the two APIs.
type generation struct {
	caps         Capabilities
	collection   string // path of the collection, relative to the base URL
	listKey      string // key of the array in a list answer
	orgInCreate  bool   // create body carries orgID
	orgInQuery   bool   // list needs orgID or org
	nameFilter   bool   // list understands ?name=
	invokeAccept string
}

func (g generation) item(id string) string { return g.collection + "/" + url.PathEscape(id) }

var generations = map[API]generation{
	APIScripts: {
		caps:         Capabilities{API: APIScripts, Params: true, Languages: []string{"flux", "sql", "influxql"}},
		collection:   "api/v2/scripts",
		listKey:      "scripts",
		nameFilter:   true,
		invokeAccept: "text/csv, application/csv",
	},
	APIFunctions: {
		caps:        Capabilities{API: APIFunctions, Languages: []string{"flux", "python"}},
		collection:  "api/v2/functions",
		listKey:     "functions",
		orgInCreate: true,
		orgInQuery:  true,
		// The functions contract (managed-functions.yml) documents only
		// application/json for both invoke operations, so JSON is asked for
		// first; the guide of that generation has clients send
		// Accept: application/csv and get CSV, so CSV is admitted too, as
		// application/csv and as the text/csv the scripts generation sends.
		invokeAccept: functionsInvokeAccept,
	},
}

// functionsInvokeAccept is the Accept header of an invoke on the functions
// generation: the contract's JSON preferred, CSV admitted.
const functionsInvokeAccept = "application/json, application/csv;q=0.9, text/csv;q=0.9"

// AllLanguages is every language some generation accepts.
var AllLanguages = []string{"flux", "sql", "influxql", "python"}

// Capabilities reports what the server's generation can do, detecting it
// first if needed. orgID helps detection on functions-only servers.
func (c *Client) Capabilities(ctx context.Context, orgID string) (Capabilities, error) {
	g, err := c.generation(ctx, orgID)
	if err != nil {
		return Capabilities{}, err
	}
	caps := g.caps
	caps.Languages = slices.Clone(caps.Languages) // callers must not edit the shared table
	return caps, nil
}

// generation returns the configured generation, or detects it: one list
// request with limit=1 to /api/v2/scripts, and only if that path is absent a
// second one to /api/v2/functions. The answer is cached for the client's
// life; a failure is not, so a later call tries again.
func (c *Client) generation(ctx context.Context, orgID string) (generation, error) {
	c.detectMu.Lock()
	defer c.detectMu.Unlock()
	if c.detected != "" {
		return generations[c.detected], nil
	}
	api, err := c.detect(ctx, orgID)
	if err != nil {
		return generation{}, err
	}
	c.detected = api
	c.debug(ctx, "detected InfluxDB scripts API generation", map[string]any{"scripts_api": string(api)})
	return generations[api], nil
}

func (c *Client) detect(ctx context.Context, orgID string) (API, error) {
	q := url.Values{"limit": {"1"}}
	err := c.probe(ctx, "api/v2/scripts", "scripts", q)
	if err == nil {
		return APIScripts, nil
	}
	if !routeAbsent(err) {
		return "", err
	}
	if orgID != "" {
		q.Set("orgID", orgID)
	}
	err2 := c.probe(ctx, "api/v2/functions", "functions", q)
	var ae *APIError
	switch {
	case err2 == nil:
		return APIFunctions, nil
	case errors.As(err2, &ae) && ae.StatusCode == http.StatusBadRequest:
		// The route exists and only wants an organization.
		return APIFunctions, nil
	case routeAbsent(err2):
		return "", fmt.Errorf("this server serves neither /api/v2/scripts (%v) nor /api/v2/functions (%v); invocable scripts exist only in InfluxDB Cloud: check the url setting", err, err2)
	default:
		return "", err2
	}
}

// probe lists at most one script and checks that the answer has the
// generation's list key, so an HTML catch-all page is not taken for the API.
func (c *Client) probe(ctx context.Context, path, key string, q url.Values) error {
	op := "detect scripts API at /" + path
	page := map[string]json.RawMessage{}
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, query: q}, &page); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return &APIError{Op: op, StatusCode: http.StatusNotFound, Message: "the answer is not the scripts API: " + de.Err.Error()}
		}
		return err
	}
	if _, ok := page[key]; !ok {
		return &APIError{Op: op, StatusCode: http.StatusNotFound, Message: fmt.Sprintf("the answer has no %q list", key)}
	}
	return nil
}

// routeAbsent is a 404 or 405 on a list request: the path is not served.
// (A 404 for an unknown script id never reaches here: detection lists.)
func routeAbsent(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusMethodNotAllowed)
}

// Org is an InfluxDB organization.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// LookupOrgID resolves an organization name to its ID.
func (c *Client) LookupOrgID(ctx context.Context, name string) (string, error) {
	var out struct {
		Orgs []Org `json:"orgs"`
	}
	op := fmt.Sprintf("look up organization %q", name)
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: "api/v2/orgs", query: url.Values{"org": {name}}}, &out); err != nil {
		return "", err
	}
	for _, o := range out.Orgs {
		if o.Name == name && o.ID != "" {
			return o.ID, nil
		}
	}
	return "", &APIError{Op: op, StatusCode: http.StatusNotFound, Code: "not found", Message: "no organization with that name is visible to this token"}
}
