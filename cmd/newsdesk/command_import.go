package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/importer"
)

// runImport brings a site over from WordPress, Ghost or Substack.
func runImport(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "import", args, map[string]func(context.Context, *Env, []string) error{
		"wordpress": importPlatform("wordpress", "FILE.xml"),
		"ghost":     importPlatform("ghost", "FILE.json"),
		"substack":  importPlatform("substack", "DIR"),
	})
}

func importPlatform(platform, what string) func(context.Context, *Env, []string) error {
	return func(ctx context.Context, env *Env, args []string) error {
		var g globals
		fs := newFlags("import "+platform, env, &g)
		batch := fs.Int("batch", importer.DefaultBatch, "articles saved per transaction")
		reportFile := fs.String("report", "", "also write the report as JSON to `FILE`")
		dropTags, media := new(bool), new(string)
		siteURL, newsletter, confirmed := new(string), new(string), new(bool)
		switch platform {
		case "wordpress":
			fs.BoolVar(dropTags, "drop-tags", false, "leave tags out instead of making them categories")
			fs.StringVar(media, "media", "", "a copy of wp-content/uploads (`DIR`) to copy the posts' files from")
		case "ghost":
			fs.StringVar(siteURL, "url", "", "the old site's address, which Ghost's export writes as __GHOST_URL__")
		case "substack":
			fs.StringVar(siteURL, "url", "", "the publication's address, https://NAME.substack.com (required)")
			fs.StringVar(newsletter, "newsletter", "", "import the export's email list into the newsletter `SLUG`")
			fs.BoolVar(confirmed, "confirmed", false, "the email list opted in on Substack: import it confirmed")
		}
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("import %s: expected one %s", platform, what)
		}
		app, err := openApp(&g, env)
		if err != nil {
			return err
		}
		defer app.close()
		im := &importer.Importer{Store: app.articles, Clock: app.clock, Batch: *batch, DropTags: *dropTags,
			SiteURL: *siteURL, Progress: importProgress(env)}
		if *media != "" {
			im.MediaFrom, im.MediaDir = *media, filepath.Join(app.dataDir, "media")
		}
		run := map[string]func(context.Context, string) (*importer.Report, error){
			"wordpress": im.WordPress, "ghost": im.Ghost, "substack": im.Substack}[platform]
		report, err := run(ctx, pos[0])
		if report != nil {
			if werr := writeImportReport(env, report, *reportFile); werr != nil && err == nil {
				err = werr
			}
		}
		if err != nil || platform != "substack" {
			return err
		}
		return app.importSubstackLists(ctx, env, pos[0], *newsletter, *confirmed)
	}
}

func writeImportReport(env *Env, r *importer.Report, file string) error {
	if err := r.Write(env.Stdout); err != nil {
		return err
	}
	if file == "" {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// importSubstackLists imports the export's email lists through the
// subscriber import, when a newsletter is named for them.
func (a *app) importSubstackLists(ctx context.Context, env *Env, dir, newsletter string, confirmed bool) error {
	files, err := importer.SubstackEmailLists(dir)
	if err != nil {
		return err
	}
	for _, name := range files {
		if newsletter == "" {
			printf(env, "Email list %s not imported: name its newsletter with --newsletter SLUG.\n", name)
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
		}
		status := newsdesk.SubscriberPending
		if confirmed {
			status = newsdesk.SubscriberConfirmed
		}
		err = a.importCSV(ctx, env, f, []string{newsletter}, status)
		f.Close()
		if err != nil {
			return newsdesk.Errorf(newsdesk.ErrorCode(err), "%s: %w", name, err)
		}
	}
	return nil
}

// importProgress shows a bar on a terminal, and otherwise a line on
// standard error at most once a second while posts are being saved.
func importProgress(env *Env) func(done, total int) {
	f, ok := env.Stderr.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		last := time.Now()
		return func(done, total int) {
			if done < total && time.Since(last) >= time.Second {
				fmt.Fprintf(env.Stderr, "newsdesk: import: %d of %d posts saved\n", done, total)
				last = time.Now()
			}
		}
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("importing"),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		}
		bar.Set(done)
		if done == total {
			bar.Finish()
		}
	}
}
