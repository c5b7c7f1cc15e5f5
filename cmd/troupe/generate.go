package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"troupe/internal/generate"
	"troupe/internal/jobs"
	"troupe/internal/password"
	"troupe/internal/store"
)

// runGenerate is "troupe generate": it fills the database with a workspace
// of the requested size, made from a seed, and prints what a benchmark
// needs to know about it as JSON.
func runGenerate(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("troupe generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultDir := getenv("TROUPE_DATA_DIR")
	if defaultDir == "" {
		defaultDir = "./troupe-data"
	}
	dataDir := fs.String("data-dir", defaultDir, "folder of the SQLite database (when no database URL is given)")
	dbURL := fs.String("database-url", getenv("TROUPE_DATABASE_URL"), "database to fill (default DATA-DIR/troupe.db)")
	opt := generate.Defaults
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed: the same seed and sizes make the same workspace")
	fs.IntVar(&opt.Members, "members", opt.Members, "members (the first is a Super Admin)")
	fs.IntVar(&opt.Items, "items", opt.Items, "items of every kind, folders included")
	fs.IntVar(&opt.Depth, "depth", opt.Depth, "depth of the deepest chain of folders (at least)")
	fs.IntVar(&opt.BigFolder, "big-folder", opt.BigFolder, "items put directly in one folder")
	fs.IntVar(&opt.HeavySharers, "heavy-sharers", opt.HeavySharers, "members who get -shares-each shares")
	fs.IntVar(&opt.SharesEach, "shares-each", opt.SharesEach, "shares of each heavy sharer")
	pass := fs.String("password", "generated-password", "password of every generated member")
	export := fs.String("export", "", "also write the workspace as JSON lines to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dbURL == "" {
		*dbURL = filepath.Join(*dataDir, "troupe.db")
	}
	ctx := context.Background()
	started := time.Now()
	db, err := store.OpenWith(ctx, *dbURL, store.Options{Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		fmt.Fprintln(stderr, "troupe generate:", err)
		return 1
	}
	defer db.Close()
	if err := db.Migrate(ctx, jobs.Migrate(db)); err != nil {
		fmt.Fprintln(stderr, "troupe generate:", err)
		return 1
	}
	if opt.PasswordHash, err = password.NewHasher(password.DefaultParams, 1).Hash(ctx, *pass); err != nil {
		fmt.Fprintln(stderr, "troupe generate:", err)
		return 1
	}
	var out io.Writer
	if *export != "" {
		f, err := os.Create(*export)
		if err != nil {
			fmt.Fprintln(stderr, "troupe generate:", err)
			return 1
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		defer w.Flush()
		out = w
	}
	res, err := generate.Generate(ctx, db, opt, out)
	if err != nil {
		fmt.Fprintln(stderr, "troupe generate:", err)
		return 1
	}
	fmt.Fprintf(stderr, "generated in %s\n", time.Since(started).Round(time.Millisecond))
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		generate.Result
		Password string `json:"password"`
	}{res, *pass})
	return 0
}
