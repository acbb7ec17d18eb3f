// Package emulator is a local, in-process emulator of the InfluxDB Cloud
// "API-invocable scripts" REST API, for tests of clients of that API.
//
// It shares no code or types with the provider's HTTP client on purpose: a bug
// in one is then caught by the other. Its reference is the OpenAPI contract
// invocable-scripts.yml (the /api/v2/scripts generation), the older
// managed-functions.yml (/api/v2/functions), the /api/v2/tasks paths of
// ref-cloud.yml, and InfluxData's documentation of the API; the tests validate every exchange
// against those contracts with kin-openapi (package internal/contract): the
// emulator's own tests, and the provider's acceptance tests, whose emulator
// runs behind contract.Validate.
//
// # Routes
//
// Always served:
//
//	GET  /health                      no auth; {"name":"influxdb","message":"ready for queries and writes","status":"pass",...}
//	GET  /ping (and HEAD)             no auth; 204
//	GET  /api/v2/orgs                 the token's own org only
//
// With Options.APIs "scripts" (the default, like current Cloud) or "both":
//
//	GET    /api/v2/scripts            list   {"scripts":[...]}
//	POST   /api/v2/scripts            create 201
//	GET    /api/v2/scripts/{id}       retrieve
//	PATCH  /api/v2/scripts/{id}       update description and script
//	DELETE /api/v2/scripts/{id}       204
//	POST   /api/v2/scripts/{id}/invoke
//	GET    /api/v2/scripts/{id}/params
//	GET    /api/v2/tasks              list   {"links":{...},"tasks":[...]}
//	POST   /api/v2/tasks              create 201 (flux or scriptID)
//	GET    /api/v2/tasks/{id}         retrieve
//	PATCH  /api/v2/tasks/{id}         update
//	DELETE /api/v2/tasks/{id}         204; 404 for an unknown task
//
// With "functions" or "both":
//
//	GET/POST /api/v2/functions, GET/PATCH/DELETE /api/v2/functions/{id},
//	GET/POST /api/v2/functions/{id}/invoke
//
// With "both" the two generations read and write one store, so a script made
// through one is visible through the other with its stored language (a
// "python" function listed through /scripts therefore carries a language that
// the scripts contract does not know). The functions-era runs and trigger
// endpoints are not emulated. Paths of a generation that is not served, and
// any other unknown path under /api/v2, answer 404
// {"code":"not found","message":"path not found"} after authentication, as an
// InfluxDB server that lacks them; a known path with the wrong method answers
// 405 "method not allowed" with an Allow header.
//
// Admin routes, guarded by "Authorization: Token <AdminToken>" (or Bearer),
// not counted in Stats and never faulted:
//
//	GET    /_emulator/stats   {"requests":{"GET /api/v2/scripts":3,...}}
//	DELETE /_emulator/stats   reset, 204
//	GET    /_emulator/faults  {"every503":0,"every429":0,"retryAfterSeconds":0,"latencyMs":0,"dropAfterCreate":0}
//	PUT    /_emulator/faults  same shape; replaces every setting (absent = 0;
//	                          retryAfterSeconds 0 means Faults.OmitRetryAfter, see Faults)
//	POST   /_emulator/tasks/{id}/run  run a task once (see Tasks); 200 with the task,
//	                          404 unknown task, 409 inactive task
//
// The faults object may also carry "createBetweenPages", "deleteBetweenPages"
// and "deleteDelayMs" (Faults.CreateBetweenPages, DeleteBetweenPages,
// DeleteDelay); GET shows them only when they are not zero.
//
// # Authentication and organisations
//
// Every /api/v2 request needs "Authorization: Token <t>" or "Bearer <t>"
// (scheme case-sensitive); anything else is 401
// {"code":"unauthorized","message":"unauthorized access"}. Authentication
// happens before routing, so an unknown /api/v2 path without a token is also
// 401. The token selects the org: every script belongs to the creating
// token's org, and other orgs' scripts do not exist for it (get, list, patch,
// invoke and params answer 404; delete answers 204 and touches nothing).
//
// GET /api/v2/orgs returns {"links":{"self":"/api/v2/orgs"},"orgs":[{"id":..,"name":..,...}]}
// with just the token's org, as Cloud does. A query org=NAME or orgID=ID that
// names another or an unknown org answers 404 with the contract's
// ResourceNotFoundError examples (ref-cloud.yml): "organization name \"NAME\"
// not found" or "organization not found". (It does not answer {"orgs":[]}:
// the contract documents the 404.)
//
// # Scripts generation
//
// List: limit 0..500, where absent or 0 means the contract's default 100;
// offset >= 0, past the end gives {"scripts":[]}; name filters by exact name
// (the UI's debounced search suggests Cloud may match partially; unverified,
// so the contract wording wins). A limit or offset that does not parse as an
// unsigned integer ("-1", "abc", "") gets the Cloud gateway's shape from the
// contract example, status 400:
//
//	{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"-1\": invalid syntax","details":[]}
//
// (limit is checked before offset). A limit above 500 is 400
// {"code":"invalid",...}. Order: newest first by createdAt, then by a
// creation sequence number, also newest first, so scripts created in the
// same microsecond (or under a clock that went backwards) still have one
// total order and paging by offset is stable.
//
// Create requires name, description, script and language (flux, sql or
// influxql); a missing field, or an empty name, script or language, is 400
// "invalid" with a message naming the first offending field, in that order.
// description must be present but may be empty: the contract requires the
// key, not content (research §8 C9). Whitespace-only values are accepted (the
// Cloud UI sends " " for a blank description). The contract's
// ScriptCreateRequest has no orgID, but its only 400 example for this
// operation is {"code":"invalid","message":"failed to decode request body:
// organization not found"}, the Cloud reference's answer to an org or orgID
// "that doesn't own the token"; and the documentation's curl examples send
// orgID. So a non-empty orgID, or org (a name), in the body must name the
// token's org, else that 400, checked before the other fields; the token's
// own org, an empty value or none at all is accepted, and the script goes to
// the token's org. Unknown keys are ignored. A duplicate name within the
// org is 422 {"code":"conflict","message":"uniqueness violation"}. The 201
// body is the full Script: id (16 random lowercase hex digits, unique),
// orgID, name, script, description, language, createdAt = updatedAt (RFC
// 3339, UTC, exactly six fractional digits, "Z"). url is never sent: no
// documented response carries it.
//
// PATCH changes only description and script; name, language and any other
// key are ignored, as the current contract says. An empty script counts as
// absent: the contract promises an empty body never stores an empty script,
// and create never allows one. An empty description is stored, as create
// accepts one, so PATCH {"description":""} clears a description. An empty
// body, or a body that gives neither a description nor a non-empty script
// (e.g. {} or {"script":""}), is a 200 no-op returning the script unchanged,
// including updatedAt; so is an empty description for a script whose
// description is already empty. Any other PATCH that gives a field is a real
// change, even to the value already stored: it moves updatedAt strictly
// forward (by one microsecond when the clock has not advanced); createdAt
// never moves.
//
// Delete answers 204, also for unknown ids and other orgs' ids. Get, patch,
// params and invoke of an unknown id (any string) answer 404
// {"code":"not found","message":"script \"<id>\" not found"}.
//
// # Parameters
//
// The emulator finds parameters by scanning the script text for params.key
// and params["key"]. It skips // comments and the contents of string literals,
// but does scan the expressions in Flux interpolation ("${params.x}"); for sql
// and influxql scripts '...' strings and -- comments are skipped as well.
// "r.params.x" (a member of something else) is not a reference. In Flux, a
// slash where an operand is expected opens a regular expression literal,
// which is skipped like a string (/params.x/ is a pattern); after an operand
// it divides.
//
// GET /scripts/{id}/params answers {"params":{"key":"type"}} for every
// referenced key. A type is inferred only when the reference is passed
// directly as a named argument of a call:
//
//	range(start:|stop:)                                  time
//	limit(offset:), tail(offset:)                        int
//	window(every:|period:|offset:), aggregateWindow(offset:) duration
//	any call: n:                                         int
//	any call: every:, period:                            duration
//	any call: createEmpty:, desc:, nonNegative:          bool
//	any call: bucket:, bucketID:, org:, orgID:, host:, token:, measurement:,
//	          field:, column:, timeColumn:, valueColumn:, startColumn:,
//	          stopColumn:, timeSrc:, timeDst:             string
//
// Everything else is "any", and so is a key used with two different inferred
// types. (range's start also accepts a duration in Flux; "time" is reported.)
//
// # Invoke
//
// The emulator cannot run Flux. POST /scripts/{id}/invoke takes an optional
// body {"params":{...}}. If the script references a key that is not supplied
// the answer is 400 {"code":"invalid","message":"invalid parameters provided"}
// with X-Platform-Error-Code: invalid. Unreferenced extra keys are accepted.
// Otherwise the answer is 200, Content-Type "text/csv; charset=utf-8", a
// deterministic CSV that echoes the parameters: Flux-style CSV without
// annotation rows, CRLF line ends, no trailing blank line, the header row
// then one row per supplied parameter sorted by name:
//
//	,result,table,param,value
//	,_result,0,bucket,my-bucket
//	,_result,0,n,5
//
// value is a JSON string's content, or the compact JSON of any other value
// (5, 2.5, true, null, {"a":1}), quoted by encoding/csv rules where needed.
// With no parameters the body is the header row alone. The Accept header is
// ignored, as research §4 infers Cloud does.
//
// # Tasks
//
// Tasks are served with the scripts generation ("scripts" or "both"), not in
// "functions" mode: tasks reference scripts by scriptID, and that property
// appears in InfluxData's contracts only beside /api/v2/scripts (ref-cloud.yml);
// managed-functions.yml has no tasks, and no source shows a task running a
// /functions script. A functions-only emulator therefore answers 404 "path
// not found" on /api/v2/tasks, as a server without the feature would.
//
// Create takes flux or scriptID, never both: both is 400 "failed to decode
// request: can not provide both scriptID and flux", neither is 400 "failed to
// decode request: flux required" (the contract's examples). scriptParameters
// without scriptID is 400. A script task needs a name and exactly one of every
// (a Flux duration literal: 1h, 30m, 1h30m, 1d, 1w, 1mo) or cron (5 or 6
// fields, or @hourly-style macros, or "@every <duration>"); offset is a
// duration, "0" meaning none; status is active (default) or inactive.
// Other values are 400 "invalid". A Flux task takes name, every, cron and
// offset from its "option task = {...}" record. An orgID or org in the body
// that is not the token's org is 400 "organization not found".
//
// An unknown scriptID (on create or PATCH) is 400 "invalid", message
// script "<id>" not found: the sources leave the status open, and refusing
// is the conservative reading; 400 is what the contract documents for a bad
// body. scriptParameters is stored and returned exactly as sent, each value
// keeping its JSON type (5 stays 5, "5" stays "5").
//
// The Task returned has id (16 hex, from the same ID space as scripts),
// orgID, org, ownerID (one stable stand-in user per org), name,
// description, status, every/cron/offset (absent when unset), flux (Flux
// tasks only), scriptID, scriptParameters, labels [], createdAt, updatedAt
// (the scripts' time format, so every change is visible),
// latestCompleted/lastRunStatus/lastRunError once it ran, and links.
//
// List filters by name (exact), scriptID, status, user and org/orgID (which
// must name the token's org, else 400 "organization not found"). Tasks are
// kept in ID order, as InfluxDB does, so after=<id> (tasks with a greater
// ID) is a stable cursor; offset skips. limit is 1..500, default 100, -1 for
// all; 0 or a value that does not parse is 400 "invalid" (above 500 the
// request also breaks the contract). type is accepted and ignored (the full
// task is always sent). links.next (with after set to the last ID) is given
// when a page is full.
//
// PATCH (TaskUpdateRequest) changes each given key. An empty every, cron or
// offset removes it ("0" for offset too); a non-empty every removes cron and
// a non-empty cron removes every, so one PATCH switches the schedule, with or
// without the other key set to "". The result must still have exactly one
// of every and cron. scriptParameters replaces the whole object; an empty
// name is ignored; an empty body or {} is a 200 no-op that keeps updatedAt.
// Any other PATCH moves updatedAt forward.
//
// DELETE answers 204, and 404 "task not found" for a task the org does not
// have (the tasks contract documents that 404, unlike the scripts one). GET
// and PATCH of an unknown task are 404 "task not found" too.
//
// Deleting a script that tasks reference is allowed (204) and leaves the
// tasks in place: no source documents a refusal, and an emulator that refused
// would hide a client that forgets to check. Those tasks' next run fails.
//
// Runs: the emulator has no scheduler. POST /_emulator/tasks/{id}/run (or
// Server.RunTask) runs an active task once: it succeeds when its script
// exists and every parameter the script reads (found as for /params) is in
// scriptParameters, and otherwise fails with lastRunError naming what is
// missing ("invalid parameters provided: missing bucket, n", or script
// "<id>" not found). It sets latestCompleted, lastRunStatus and
// lastRunError, and leaves updatedAt alone. A Flux task always succeeds.
//
// # Functions generation
//
// List takes optional org (name) and orgID; when present they must name the
// token's own org. The functions contract documents only a default error, so
// the answers are the Cloud reference's (ref-cloud.yml), each for the case it
// describes: an org or orgID that names no organization of the server is 404
// {"code":"not found","message":"organization not found"} (or "organization
// name \"NAME\" not found"), its ResourceNotFoundError; one that names
// another existing org is 400 {"code":"invalid","message":"failed to decode
// request body: organization not found"}, its BadRequestError for an org
// "that doesn't own the token". limit and offset follow the scripts rules,
// except that an unparsable value gets a string code ("invalid"), because the
// functions contract requires code and message to be strings, and that limit
// has no maximum, as that contract sets none. The contract
// has no name parameter, so ?name= is ignored like any query parameter the
// server does not know: the list is not filtered by it. The list key is
// "functions".
//
// Create requires name, orgID, script and language (python or flux);
// description is optional. orgID must be the token's org (else the same 400
// as above). sql and influxql are invalid here, python is invalid on
// /scripts. PATCH may change name, description and script, by the scripts
// rules: an empty name or script is ignored, an empty description is stored.
// Renaming onto another function's name is 422 conflict. 404 messages read
// function "<id>" not found. There is no /params route.
//
// Invoke: POST takes {"params":{...}} like scripts; GET takes the parameters
// from the query string (the contract's form-exploded params object), every
// value a string. Missing parameters give the same 400. Success answers the
// contract's application/json object
//
//	{"result":[{"param":"bucket","value":"my-bucket"},{"param":"n","value":5}]}
//
// (rows sorted by name, values kept as JSON), unless the Accept header
// prefers CSV, in which case the CSV above is sent (the functions-era docs
// asked for Accept: application/csv; the contract declares only JSON). CSV is
// preferred when application/csv or text/csv gets a higher q than
// application/json, each type taking the q of the most specific range that
// matches it (type/subtype, type/*, */*); a tie, "*/*" or no Accept gets
// JSON. So "application/csv" gets CSV, while "application/json,
// application/csv;q=0.9, text/csv;q=0.9" (the provider's client) and
// "text/csv, application/json" get JSON.
//
// # Errors and bad input
//
// Error bodies are {"code":..,"message":..} with Content-Type
// "application/json; charset=utf-8"; every error except the gateway-shaped 400
// also carries X-Platform-Error-Code: <code>, as InfluxDB's error encoder
// does (this covers the responses where the contract documents the header).
// Statuses the contract does not list fall under its "default" response.
//
// A request body over 4 MiB is 413 "request too large". The rest of such a
// body, up to 16 MiB more, is read and thrown away first, so that a client
// that sends its whole body before it reads (most do) is not left writing
// into a connection that is then reset under the unread data, losing the 413
// before it is read; the connection stays usable. A body larger still gets
// the 413 with "Connection: close", and the connection is closed after a
// short linger (net/http's handling of an unread body).
//
// The Content-Type of a request body is not checked: the body is decoded as
// JSON whatever the header says, or without one. The contracts declare only
// application/json request bodies, but no Content-Type parameter for these
// operations (ref-cloud.yml declares one where the header selects the
// body's format, for /api/v2/query) and no 415 answer, so nothing suggests
// the service refuses a JSON body for its header; refusing it would make the
// emulator stricter than the service. A client that omits the header is
// still caught, by the contract validation of its requests in the tests.
// An empty body is judged by the route: create answers 400, PATCH the
// documented no-op 200, invoke runs with no parameters. Malformed JSON (a
// form-encoded body, say), a non-object body, trailing data after the object
// or a field of the wrong type is 400 "invalid". None of these change the
// store.
//
// # Faults
//
// Faults apply to /api/v2 requests only, in this order: the request is
// counted in Stats; Latency is slept (a request whose context ends meanwhile
// is abandoned without acting or answering); then, counting every /api/v2
// request since the last SetFaults (New counts as one), the Nth gets 503
// {"code":"unavailable",...} when N is a multiple of Every503, else 429
// {"code":"too many requests",...} when a multiple of Every429, each with
// Retry-After in whole seconds (RetryAfter rounded up; zero sends "0") and
// without acting on the request. With OmitRetryAfter the 503 carries no
// Retry-After at all, which a client must take as a gateway failure after
// which the request may or may not have been acted on (for a create: look
// the name up before sending it again), and the 429 carries RetryAfter
// rounded up but at least "1", as a real rate limiter always names a wait.
// The command's -retry-after 0s and retryAfterSeconds 0 (or absent) on PUT
// /_emulator/faults select OmitRetryAfter; GET /_emulator/faults reports
// retryAfterSeconds 0 for it, and also for a server whose Go options set
// RetryAfter 0 without OmitRetryAfter (PUT that back and it omits). Faults
// come before authentication, like a proxy in front of the service. DropAfterCreate makes the next N successful
// creates (either generation) store the script, persist it, and then close
// the connection with no response at all: behind an http.Server on HTTP/1.x
// the connection is hijacked and closed; where that is impossible (HTTP/2, an
// httptest.ResponseRecorder) ServeHTTP panics with http.ErrAbortHandler,
// which net/http handles by aborting the response.
//
// Two settings act as another client working while a client pages through
// a list. CreateBetweenPages: each of the next N list answers that is a full
// page (as many scripts as its limit, so a client asks for the next page)
// is followed, once the page has been read from the store and before it is
// sent, by the creation of one script named "between-pages-<n>" in the
// listed org; being the newest, it moves every script down one place, so the
// next page repeats the last script of this one. DeleteBetweenPages: the
// same with the deletion of the org's newest script, which moves every
// script up one place, so the next page skips one. Neither counts in Stats.
//
// DeleteDelay queues deletions, as the contract says a deletion may be: a
// DELETE answers 204 at once, but the script stays readable, listed,
// changeable and holding its name until the delay has passed (measured with
// Options.Now); a second DELETE meanwhile changes nothing.
//
// # Stats
//
// Stats counts every /api/v2 request that reaches a known route, including
// ones answered by a fault or a 401, under "METHOD ROUTE" keys such as
// "GET /api/v2/scripts/{id}" or "POST /api/v2/functions/{id}/invoke". Any
// other request (unknown path, wrong method, a generation not served),
// anywhere but /health, /ping and /_emulator, is counted as "METHOD unknown".
//
// # Persistence
//
// With Options.DataFile the store is loaded at New (a missing file is an empty
// store) and, after every change and before the response is written, saved
// atomically: written to a temporary file in the same directory, fsynced,
// renamed over the data file, and the directory fsynced. If saving fails the
// change is undone and the answer is 500 "internal error". The file is JSON
// ({"format":"influxdb-emulator/v1","scripts":[...],"tasks":[...]}) and holds
// every org's scripts and tasks ("tasks" may be absent, as in files written
// before tasks were served).
//
// # Logging
//
// Options.Logf, when set, gets one line per request: method, path (never the
// query string, which may hold secrets), status (or "dropped"/"canceled")
// and duration. Headers, tokens and bodies are never logged.
package emulator
