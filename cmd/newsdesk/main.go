// Command newsdesk runs a publication's syndication and newsletter desk.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/newsdesk/newsdesk"
)

func main() {
	privateUmask()
	// newsdesk's live heap is small and the feeds it parses are not: at
	// Go's default the collector would run every few megabytes of feed.
	// Unless GOGC says otherwise, it lets the heap triple, not double.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	ctx, stop := shutdownContext(os.Stderr)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// Env is what a command runs with: its streams, environment and clock.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Environ        []string
	// Clock is the wall clock, or one a test moves to run the real
	// daemon through its schedule.
	Clock newsdesk.Clock
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create the data directory and database (--demo loads demo content)", runInit},
		{"serve", "run the daemon: site, feeds, editors' desk, API and scheduler", runServe},
		{"article", "manage articles: add, edit, list, show, publish, unpublish, delete, import", runArticle},
		{"author", "manage authors: add, list", runAuthor},
		{"source", "manage external feeds: add, list, remove, resume, import, export", runSource},
		{"ingest", "fetch external feeds now (--source ID for one)", runIngest},
		{"export", "write every feed and public page as static files", runExport},
		{"backup", "write a consistent snapshot of the database to a file", runBackup},
		{"subscriber", "manage subscribers: add, list, remove, import, export", runSubscriber},
		{"newsletter", "manage newsletters: add, edit, list, pause, resume", runNewsletter},
		{"digest", "digests by hand: preview, send (--now or --test)", runDigest},
		{"edition", "editions: list, show, create, approve, pause, resume, cancel", runEdition},
		{"token", "JSON API bearer tokens: add, list, revoke", runToken},
		{"user", "editor accounts: add, list, passwd, remove", runUser},
		{"bounce", "bounces and complaints: list, show, import FILE.eml", runBounce},
		{"import", "move a site here: import wordpress FILE.xml, ghost FILE.json, substack DIR", runImport},
	}
}

// Main runs the command line and returns the exit code: 0 success,
// 1 runtime failure, 2 bad usage or bad input.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	return run(ctx, &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Environ: environ, Clock: newsdesk.SystemClock{}}, args)
}

// run runs the command line in env.
func run(ctx context.Context, env *Env, args []string) int {
	stdout, stderr := env.Stdout, env.Stderr
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.run(ctx, env, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "newsdesk: unknown command %q (run newsdesk --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: newsdesk COMMAND [flags] [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --config FILE (default newsdesk.toml if present) and --data DIR (default ./data),")
	fmt.Fprintln(w, "and --log-format text|json and --log-level debug|info|warn|error for its log on standard error.")
	fmt.Fprintln(w, "Run newsdesk COMMAND --help for its flags.")
}

// usageError is bad usage: a wrong flag, a missing argument.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return errors.Unwrap(e.err) }

// usagef makes a usage error; a %w verb keeps its cause.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitCode prints err as one line and maps it to the exit code.
func exitCode(stderr io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "newsdesk: %s\n", newsdesk.OneLine(err.Error()))
		return 2
	}
	fmt.Fprintf(stderr, "newsdesk: %s\n", newsdesk.OneLine(err.Error()))
	switch newsdesk.ErrorCode(err) {
	case newsdesk.EINVALID, newsdesk.ENOTFOUND, newsdesk.ECONFLICT:
		return 2
	}
	return 1
}

// globals are the flags every command takes.
type globals struct {
	config    string
	data      string
	logFormat string
	logLevel  string
}

// flags is a command's flag set. Errors come back from parse as one line;
// only --help prints the flags, to standard output.
type flags struct {
	*flag.FlagSet
	stdout io.Writer
}

// newFlags returns a flag set with the global flags registered.
func newFlags(name string, env *Env, g *globals) *flags {
	fs := &flags{flag.NewFlagSet("newsdesk "+name, flag.ContinueOnError), env.Stdout}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&g.config, "config", "", "config `FILE` (default newsdesk.toml if present)")
	fs.StringVar(&g.data, "data", "./data", "data `DIR`")
	fs.StringVar(&g.logFormat, "log-format", "", "log `FORMAT`: text or json (default log.format, text)")
	fs.StringVar(&g.logLevel, "log-level", "", "log `LEVEL`: debug, info, warn or error (default log.level, info)")
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments, as DESIGN promises, and returns the positional ones.
func parse(fs *flags, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(fs.stdout, "Usage of %s:\n", fs.Name())
				fs.SetOutput(fs.stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usagef("%s: %w", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// subcommand dispatches "article add ..." style commands.
func subcommand(ctx context.Context, env *Env, group string, args []string, subs map[string]func(context.Context, *Env, []string) error) error {
	names := make([]string, 0, len(subs))
	for name := range subs {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stdout, "Usage: newsdesk %s %s [flags]\n", group, strings.Join(names, "|"))
		if len(args) == 0 {
			return usagef("%s: missing subcommand (%s)", group, strings.Join(names, ", "))
		}
		return nil
	}
	run, ok := subs[args[0]]
	if !ok {
		return usagef("%s: unknown subcommand %q (%s)", group, args[0], strings.Join(names, ", "))
	}
	return run(ctx, env, args[1:])
}
