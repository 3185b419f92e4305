// Package cli is warroom's command line: one binary that is both the
// server (`warroom serve`, `warroom bootstrap`) and a client of the HTTP
// API (every other command). Execute runs it in-process, so tests can call
// it like main does.
package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
)

// Execute runs the warroom command line with args (without the program
// name) and returns the process exit code: 0 on success, 1 when the server
// refused the command or it failed, 2 for a usage or configuration
// mistake, 3 when the server could not be reached.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now,
		httpClient: &http.Client{Timeout: 30 * time.Second}}
	return a.run(ctx, args)
}

// app is one invocation of the command line: its outputs, its view of the
// environment and the settings resolved from flags, environment and
// config file.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	httpClient     *http.Client

	file    map[string]string // the --config file's values
	client  clientConfig
	idemKey string
	names   map[string]string // user ID -> "@handle", looked up once
	refs    map[string]string // incident ID -> "INC-4", looked up once
	started bool              // flags and arguments were accepted
	// owner names this server process in the engine's job claims: one
	// name for all its engines (paging, chat, trackers), so that another
	// replica taking over a dead one's work sees one owner.
	owner    string
	jsonMode bool
	csvMode  bool // --output csv: reports only (report.go)
}

// clientConfig is what a client command needs to reach the API.
type clientConfig struct {
	Server string
	Token  string
	Output string
}

// clientSettings are the global settings of every command.
func clientSettings() []setting[clientConfig] {
	return []setting[clientConfig]{
		{"server", "URL of the warroom server", func(c *clientConfig) any { return &c.Server }},
		{"token", "API token (create the first with: warroom bootstrap)", func(c *clientConfig) any { return &c.Token }},
		{"output", "output format: text or json", func(c *clientConfig) any { return &c.Output }},
	}
}

func defaultClientConfig() clientConfig {
	return clientConfig{Server: "http://127.0.0.1:8080", Output: "text"}
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if !a.started {
		// Cobra refused the flags or arguments before any of ours ran.
		err = &usageError{err}
	}
	return report(a.stdout, a.stderr, err, a.jsonMode)
}

// rootCommand builds the command tree afresh for each invocation, so that
// no flag value survives from one Execute to the next.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "warroom",
		Short: "warroom: self-hosted incident response",
		Long: "warroom runs incidents: declare, assign roles, keep the timeline, move through the lifecycle.\n" +
			"The same binary is the server (`warroom serve`) and its command-line client.",
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: a.prepare,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	addFlags(root.PersistentFlags(), clientSettings(), defaultClientConfig())
	root.PersistentFlags().String("config", "", "JSON config file (keys: server, token, output and the serve settings); env WARROOM_CONFIG")
	root.PersistentFlags().String("idempotency-key", "", "Idempotency-Key for the change this command makes (default: a fresh random key); reuse one to retry safely")
	root.AddGroup(
		&cobra.Group{ID: "server", Title: "Server:"},
		&cobra.Group{ID: "incident", Title: "Incidents:"},
		&cobra.Group{ID: "timeline", Title: "Timeline entries:"},
		&cobra.Group{ID: "directory", Title: "People, teams, services and tokens:"},
		&cobra.Group{ID: "paging", Title: "Alerts, on-call and paging:"},
	)
	a.addServerCommands(root)
	a.addIncidentCommands(root)
	a.addRoleCommands(root)
	a.addEntryCommands(root)
	a.addDirectoryCommands(root)
	a.addTrackerCommands(root)
	a.addPagingCommands(root)
	a.addCommsCommands(root)
	a.addStatusCommands(root)
	a.addAfterFireCommands(root)
	a.addPostmortemCommands(root)
	a.addReportCommands(root)
	return root
}

// prepare resolves the global settings once flags are parsed: flags, then
// environment, then the config file, then defaults.
func (a *app) prepare(cmd *cobra.Command, _ []string) error {
	a.started = true
	if err := cmd.ValidateRequiredFlags(); err != nil {
		return &usageError{err}
	}
	flags := cmd.Flags()
	path, _ := flags.GetString("config")
	if path == "" {
		path = a.getenv("WARROOM_CONFIG")
	}
	if path != "" {
		keys := map[string]bool{}
		addKeys(keys, clientSettings())
		addKeys(keys, serveSettings())
		var err error
		if a.file, err = readConfigFile(path, keys); err != nil {
			return err
		}
	}
	a.client = defaultClientConfig()
	if err := apply(&a.client, clientSettings(), a.sources(flags)); err != nil {
		return err
	}
	switch a.client.Output {
	case "json":
		a.jsonMode = true
	case "text":
	case "csv":
		if cmd.Parent() == nil || cmd.Parent().Name() != "report" {
			return usageErrorf("--output csv is for reports (warroom report ...); others print text or json")
		}
		a.csvMode = true
	default:
		return usageErrorf("--output must be text or json, not %q", a.client.Output)
	}
	a.idemKey, _ = flags.GetString("idempotency-key")
	if a.idemKey == "" {
		a.idemKey = uuid.NewString()
	}
	return nil
}

// sources returns where settings come from for this invocation.
func (a *app) sources(flags flagSet) sources {
	return sources{flags: flags, getenv: a.getenv, file: a.file}
}

// api returns the API client of this invocation.
func (a *app) api() *client {
	return &client{server: a.client.Server, token: a.client.Token, idemKey: a.idemKey, http: a.httpClient}
}
