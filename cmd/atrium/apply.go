package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/atrium-idp/atrium/internal/manifest"
	"github.com/atrium-idp/atrium/internal/model"
)

func newApplyCmd() *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR [-f ...]",
		Short: "Create or update blueprints and entities from YAML or JSON files",
		Long: `apply reads blueprints and entities from YAML (multi-document) or JSON files,
or from every *.yaml, *.yml and *.json file under a directory, and makes the
server match them. It is idempotent: each blueprint and entity is compared with
the server's current state and written only when different, and every object
is reported as created, updated or unchanged.

Blueprints are applied first without their relations (so cycles and forward
references resolve), then complete. Entities are upserted (created, or
replaced: fields they do not set are dropped) in bulk batches of up to 1000,
relation targets first.

The server is ATRIUM_URL (default ` + defaultURL + `); ATRIUM_TOKEN, when set, is
sent as a bearer token. See docs/cli.md.`,
		Example: `  atrium apply -f examples/sdlc
  atrium apply -f examples/sdlc/blueprints.yaml -f examples/demo --quiet
  atrium get entities service -o yaml | atrium apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(opts.files) == 0 {
				return errors.New("apply: give at least one -f FILE|DIR")
			}
			c, err := newClientFromEnv()
			if err != nil {
				return err
			}
			opts.stdin = cmd.InOrStdin()
			return runApply(cmd.Context(), c, cmd.OutOrStdout(), opts)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.files, "file", "f", nil, "a manifest file, a directory of them, or - for standard input (repeatable)")
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "report what would change without writing")
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "print only changes and the summary")
	return cmd
}

type applyOptions struct {
	files  []string
	stdin  io.Reader
	dryRun bool
	quiet  bool
}

// applyCounts tallies what apply did, for the summary line.
type applyCounts struct {
	created, updated, unchanged, failed int
}

func (c applyCounts) String() string {
	s := fmt.Sprintf("%d created, %d updated, %d unchanged", c.created, c.updated, c.unchanged)
	if c.failed > 0 {
		s += fmt.Sprintf(", %d failed", c.failed)
	}
	return s
}

type applier struct {
	// progress, when set, counts entities handled (a terminal bar on stderr).
	progress func(n int)
	ctx      context.Context
	c        *client
	w        io.Writer
	opts     applyOptions
	bps      applyCounts
	ents     applyCounts
	known    map[string]*model.Blueprint // blueprint definitions after apply
}

func (a *applier) report(kind, name, status string) {
	if a.opts.quiet && status == "unchanged" {
		return
	}
	suffix := ""
	if a.opts.dryRun && status != "unchanged" {
		suffix = " (dry run)"
	}
	fmt.Fprintf(a.w, "%s %s %s%s\n", kind, name, status, suffix)
}

func runApply(ctx context.Context, c *client, w io.Writer, opts applyOptions) error {
	set := &manifest.Set{}
	for _, f := range opts.files {
		var one *manifest.Set
		var err error
		if f == "-" {
			var data []byte
			if data, err = io.ReadAll(opts.stdin); err == nil {
				one, err = manifest.Parse("<stdin>", data) // YAML, which also reads JSON
			}
		} else {
			one, err = manifest.Load(f)
		}
		if err != nil {
			return err
		}
		set.Add(one)
	}
	if err := set.Check(); err != nil {
		return err
	}
	if len(set.Blueprints) == 0 && len(set.Entities) == 0 {
		return fmt.Errorf("apply: no blueprints or entities found in %v", opts.files)
	}
	a := &applier{ctx: ctx, c: c, w: w, opts: opts, known: map[string]*model.Blueprint{}}
	plan := set.NewPlan(0)
	if err := a.blueprints(plan.Blueprints); err != nil {
		return err
	}
	total := 0
	for _, b := range plan.Batches {
		total += len(b.Entities)
	}
	if bar := newProgress(total); bar != nil {
		a.progress = func(n int) { _ = bar.Add(n) }
		defer func() { _ = bar.Finish() }()
	}
	entErr := a.entities(plan.Batches)
	summary := fmt.Sprintf("blueprints: %s; entities: %s", a.bps, a.ents)
	if opts.dryRun {
		summary += " (dry run: nothing written)"
	}
	fmt.Fprintln(w, summary)
	if entErr != nil {
		return entErr
	}
	if a.ents.failed > 0 {
		return fmt.Errorf("apply: %d entities failed", a.ents.failed)
	}
	return nil
}

// blueprints applies blueprints in two passes: missing ones are created as
// skeletons (no relations, mirrors, aggregations or inherited ownership),
// then every blueprint that differs from the server is replaced complete.
func (a *applier) blueprints(bps []*manifest.Blueprint) error {
	remote := make(map[string]*model.Blueprint, len(bps))
	for _, bp := range bps {
		have, err := a.c.blueprintGet(a.ctx, bp.Identifier)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("blueprint %s: %w", bp.Identifier, err)
		}
		remote[bp.Identifier] = have
	}
	created := map[string]bool{}
	for _, bp := range bps {
		if remote[bp.Identifier] != nil {
			continue
		}
		created[bp.Identifier] = true
		if a.opts.dryRun {
			continue
		}
		first := &bp.Blueprint
		if manifest.HasReferences(first) {
			first = manifest.Skeleton(first)
		}
		if err := a.c.blueprintCreate(a.ctx, first); err != nil {
			return fmt.Errorf("%s: create blueprint %s: %w", bp.Source, bp.Identifier, err)
		}
	}
	for _, bp := range bps {
		want := &bp.Blueprint
		a.known[bp.Identifier] = want
		switch {
		case created[bp.Identifier]:
			if !a.opts.dryRun && manifest.HasReferences(want) {
				if err := a.c.blueprintReplace(a.ctx, want); err != nil {
					return fmt.Errorf("%s: complete blueprint %s: %w", bp.Source, bp.Identifier, err)
				}
			}
			a.bps.created++
			a.report("blueprint", bp.Identifier, "created")
		case manifest.BlueprintEqual(want, remote[bp.Identifier]):
			a.bps.unchanged++
			a.report("blueprint", bp.Identifier, "unchanged")
		default:
			if !a.opts.dryRun {
				if err := a.c.blueprintReplace(a.ctx, want); err != nil {
					return fmt.Errorf("%s: update blueprint %s: %w", bp.Source, bp.Identifier, err)
				}
			}
			a.bps.updated++
			a.report("blueprint", bp.Identifier, "updated")
		}
	}
	return nil
}

// entities upserts the plan's batches, sending only entities that differ
// from the server's current state.
func (a *applier) entities(batches []manifest.Batch) error {
	current := map[string]map[string]*model.Entity{}
	load := func(bp string) (map[string]*model.Entity, error) {
		if m, ok := current[bp]; ok {
			return m, nil
		}
		m := map[string]*model.Entity{}
		current[bp] = m
		if a.opts.dryRun {
			if _, declared := a.known[bp]; declared {
				if _, err := a.c.blueprintGet(a.ctx, bp); isNotFound(err) {
					return m, nil // would be created: holds nothing yet
				}
			}
		}
		es, err := a.c.entityListAll(a.ctx, bp)
		if err != nil {
			return nil, fmt.Errorf("list %s entities: %w", bp, err)
		}
		for _, e := range es {
			m[e.Identifier] = e
		}
		if _, ok := a.known[bp]; !ok {
			def, err := a.c.blueprintGet(a.ctx, bp)
			if err != nil {
				return nil, fmt.Errorf("blueprint %s: %w", bp, err)
			}
			a.known[bp] = def
		}
		return m, nil
	}
	failedKeys := map[model.EntityKey]bool{}
	for _, b := range batches {
		have, err := load(b.Blueprint)
		if err != nil {
			return err
		}
		var send []*manifest.Entity
		for _, e := range b.Entities {
			e = manifest.WithoutComputed(e, a.known[b.Blueprint])
			cur := have[e.Identifier]
			if b.Partial {
				// Only needed when the entity does not exist yet: it must
				// exist before whatever closes its cycle points at it.
				if cur == nil {
					send = append(send, e)
				}
				continue
			}
			if manifest.EntityEqual(e, cur, a.known[b.Blueprint]) {
				a.ents.unchanged++
				a.report("entity", e.Blueprint+"/"+e.Identifier, "unchanged")
				continue
			}
			send = append(send, e)
		}
		if a.progress != nil {
			a.progress(len(b.Entities) - len(send))
		}
		if len(send) == 0 {
			continue
		}
		failed := map[int]string{}
		if !a.opts.dryRun {
			bodies := make([]map[string]any, len(send))
			for i, e := range send {
				bodies[i] = e.Body()
			}
			res, err := a.c.entityBulkUpsert(a.ctx, b.Blueprint, bodies)
			if err != nil {
				return fmt.Errorf("upsert %d %s entities (%s …): %w", len(send), b.Blueprint, send[0].Source, err)
			}
			for _, e := range res.Errors {
				failed[e.Index] = e.Message
			}
		}
		if a.progress != nil {
			a.progress(len(send))
		}
		for i, e := range send {
			name := e.Blueprint + "/" + e.Identifier
			if msg, bad := failed[i]; bad {
				if !failedKeys[e.Key()] {
					failedKeys[e.Key()] = true
					a.ents.failed++
				}
				fmt.Fprintf(a.w, "entity %s failed: %s (%s)\n", name, msg, e.Source)
				continue
			}
			if b.Partial {
				continue
			}
			if have[e.Identifier] == nil {
				a.ents.created++
				a.report("entity", name, "created")
			} else {
				a.ents.updated++
				a.report("entity", name, "updated")
			}
		}
	}
	return nil
}

// progressThreshold is the number of entities from which apply shows a
// progress bar.
const progressThreshold = 2000

// newProgress returns a progress bar on stderr for large applies, or nil. It
// shows only when stderr is a terminal and stdout is not, so the per-object
// lines (redirected to a file) never tear the bar.
func newProgress(total int) *progressbar.ProgressBar {
	if total < progressThreshold || !term.IsTerminal(int(os.Stderr.Fd())) || term.IsTerminal(int(os.Stdout.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription("entities"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("entities"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
