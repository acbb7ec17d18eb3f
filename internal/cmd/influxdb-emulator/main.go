// Command influxdb-emulator serves the InfluxDB Cloud invocable-scripts API
// emulator (package internal/emulator) on a local address, for manual tests
// and for tools that need a real listener.
//
//	go run ./internal/cmd/influxdb-emulator -addr 127.0.0.1:0
//
// The first line on stdout is "listening on http://HOST:PORT" with the port
// actually bound. Requests are logged to stderr (method, path, status,
// duration; never tokens) unless -quiet. SIGINT or SIGTERM shuts the server
// down gracefully and exits 0.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "influxdb-emulator:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "influxdb-emulator:", err)
		os.Exit(1)
	}
}

// usageError is a problem with the command line rather than at run time.
type usageError struct{ error }

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 5 * time.Second

// configFile is the JSON read by -config.
type configFile struct {
	Orgs []struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Tokens []string `json:"tokens"`
	} `json:"orgs"`
}

// run parses args, serves until ctx ends, and shuts down cleanly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("influxdb-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8086", "listen address; port 0 picks a free port")
	token := fs.String("token", emulator.DefaultToken, "API token of the single org")
	orgName := fs.String("org", emulator.DefaultOrgName, "name of the single org")
	orgID := fs.String("org-id", emulator.DefaultOrgID, "ID of the single org: 16 hexadecimal characters")
	config := fs.String("config", "", `JSON file {"orgs":[{"id":"..","name":"..","tokens":[".."]}]} replacing the single org from -org, -org-id and -token`)
	apis := fs.String("apis", emulator.APIsScripts, "API generation to serve: scripts, functions or both")
	adminToken := fs.String("admin-token", "", "token guarding /_emulator/* (default: the first token of the first org)")
	dataFile := fs.String("data", "", "file to load at start and save after every change (default: memory only)")
	every503 := fs.Int("every-503", 0, "answer every Nth API request with 503 (0 = off)")
	every429 := fs.Int("every-429", 0, "answer every Nth API request with 429 (0 = off)")
	retryAfter := fs.Duration("retry-after", time.Second, "Retry-After sent with injected 503/429, whole seconds rounded up; "+
		"0s sends injected 503s without Retry-After (clients cannot tell whether the request was acted on) and injected 429s with Retry-After: 1")
	latency := fs.Duration("latency", 0, "delay before each API request is handled")
	dropAfterCreate := fs.Int("drop-after-create", 0, "store the next N creates, then close the connection without answering")
	quiet := fs.Bool("quiet", false, "do not log requests to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
	}

	orgs := []emulator.Org{{ID: *orgID, Name: *orgName, Tokens: []string{*token}}}
	if *config != "" {
		conflict := ""
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "token" || f.Name == "org" || f.Name == "org-id" {
				conflict = f.Name
			}
		})
		if conflict != "" {
			return usageError{fmt.Errorf("-config replaces -%s; give one or the other", conflict)}
		}
		var err error
		if orgs, err = readConfig(*config); err != nil {
			return err
		}
	} else if !isOrgID(*orgID) {
		return usageError{fmt.Errorf("-org-id %q is not an organization ID: it must be exactly 16 hexadecimal characters (0-9, a-f, A-F)", *orgID)}
	}

	opts := emulator.Options{
		Orgs:       orgs,
		APIs:       *apis,
		AdminToken: *adminToken,
		DataFile:   *dataFile,
		Faults: emulator.Faults{
			Every503:        *every503,
			Every429:        *every429,
			RetryAfter:      *retryAfter,
			OmitRetryAfter:  *retryAfter == 0,
			Latency:         *latency,
			DropAfterCreate: *dropAfterCreate,
		},
	}
	if !*quiet {
		opts.Logf = log.New(stderr, "", log.LstdFlags|log.Lmicroseconds).Printf
	}
	srv, err := emulator.New(opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(stderr, "http: ", log.LstdFlags),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	select {
	case err := <-served: // the listener failed on its own
		_ = srv.Close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		_ = hs.Close() // requests still running after the grace period are cut off
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = srv.Close()
		return err
	}
	return srv.Close()
}

func readConfig(path string) ([]emulator.Org, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading -config: %w", err)
	}
	var cfg configFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a misspelt key would otherwise be silently ignored
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("parsing -config %s: %w", path, err)
	}
	if len(cfg.Orgs) == 0 {
		return nil, fmt.Errorf("-config %s lists no orgs", path)
	}
	orgs := make([]emulator.Org, 0, len(cfg.Orgs))
	for i, o := range cfg.Orgs {
		if !isOrgID(o.ID) {
			return nil, fmt.Errorf("-config %s: orgs[%d] (name %q): id %q is not an organization ID: it must be exactly 16 hexadecimal characters (0-9, a-f, A-F)", path, i, o.Name, o.ID)
		}
		orgs = append(orgs, emulator.Org{ID: o.ID, Name: o.Name, Tokens: o.Tokens})
	}
	return orgs, nil
}

// isOrgID reports whether id has the form of an InfluxDB organization ID:
// exactly 16 hexadecimal characters, of either case.
func isOrgID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
