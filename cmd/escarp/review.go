package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/learn"
	"github.com/escarp/escarp/internal/specdiff"
)

// reviewCmd is `escarp review`: the security review list of a pull
// request, from what its change to the API description adds.
func (a *app) reviewCmd() *cobra.Command {
	var (
		specFlag, out, format string
	)
	cmd := &cobra.Command{
		Use:   "review (--base-ref REF | --previous FILE) [--spec FILE]",
		Short: "A security review list for a pull request, from what its API change adds",
		Long: `review compares the API description with its previous version (the same
file at --base-ref REF, or --previous FILE, as escarp ci does) and writes
what a reviewer should check, operation by operation: "adds PUT
/orders/{id}: check the caller owns the order", "takes callback_url: check
it against an allow-list". Each item names the rule that tests the flaw and
its lesson. Markdown by default, for a pull-request comment; --format json.

escarp ci writes the same list with -o review:PATH when a base is given.`,
		Example: `  escarp review --base-ref origin/main > review.md
  gh pr comment --body-file review.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			specPath, err := a.reviewSpec(specFlag)
			if err != nil {
				return err
			}
			r, err := a.review(cmd, specPath, a.setting(cmd, "previous", "previous", ""), a.setting(cmd, "base-ref", "base_ref", ""))
			if err != nil {
				return err
			}
			w := a.stdout
			if out != "" {
				f, err := os.Create(a.resolvePath(out, a.wd))
				if err != nil {
					return &escarp.Error{Op: "review", Kind: escarp.Invalid, Message: "write " + out, Err: err}
				}
				defer f.Close()
				w = f
				defer fmt.Fprintf(a.stderr, "wrote %s\n", f.Name())
			}
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			case "", "markdown":
				return r.WriteMarkdown(w)
			}
			return &escarp.Error{Op: "review", Kind: escarp.Invalid, Message: fmt.Sprintf("--format %q: want markdown or json", format)}
		},
	}
	f := cmd.Flags()
	f.StringVar(&specFlag, "spec", "", "the current API description (default ESCARP_SPEC, then spec: in escarp.yaml)")
	f.String("base-ref", "", "git ref whose version of the spec is the previous one")
	f.String("previous", "", "previous version of the spec, as a file")
	f.StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	f.StringVar(&format, "format", "", "markdown (default) or json")
	return cmd
}

// reviewSpec is --spec, else ESCARP_SPEC, else the config's spec.
func (a *app) reviewSpec(flag string) (string, error) {
	if flag != "" {
		return a.resolvePath(flag, a.wd), nil
	}
	if v, ok := a.getenv("ESCARP_SPEC"); ok && v != "" {
		return a.resolvePath(v, a.wd), nil
	}
	cf, err := a.config()
	if err != nil {
		return "", err
	}
	if cf.Spec != "" && !strings.Contains(cf.Spec, "://") {
		return a.resolvePath(cf.Spec, cf.Dir), nil
	}
	return "", &escarp.Error{Op: "review", Kind: escarp.Invalid, Message: "no local API description: give --spec FILE, ESCARP_SPEC or spec: in escarp.yaml"}
}

// review builds the review list of specPath against its previous version.
func (a *app) review(cmd *cobra.Command, specPath, prevFile, ref string) (*learn.Review, error) {
	if prevFile == "" && ref == "" {
		return nil, &escarp.Error{Op: "review", Kind: escarp.Invalid, Message: "give --base-ref REF or --previous FILE: a review compares two versions"}
	}
	d, err := a.threatDiff(cmd, specPath, prevFile, ref, specdiff.Options{})
	if err != nil {
		return nil, err
	}
	return learn.ReviewOf(d), nil
}

// splitReviewOutputs takes the review:PATH outputs out of an -o list.
func splitReviewOutputs(specs []string) (review, rest []string) {
	for _, s := range specs {
		if p, ok := strings.CutPrefix(s, "review:"); ok {
			review = append(review, p)
			continue
		}
		rest = append(rest, s)
	}
	return review, rest
}

// writeCIReview writes escarp ci's review:PATH outputs.
func (a *app) writeCIReview(cmd *cobra.Command, specPath string, paths []string) error {
	prevFile, ref := a.setting(cmd, "previous", "previous", ""), a.setting(cmd, "base-ref", "base_ref", "")
	if prevFile == "" && ref == "" {
		return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "-o review:PATH needs --base-ref REF or --previous FILE"}
	}
	r, err := a.review(cmd, specPath, prevFile, ref)
	if err != nil {
		return err
	}
	for _, p := range paths {
		path := a.resolvePath(p, a.wd)
		f, err := os.Create(path)
		if err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "write " + path, Err: err}
		}
		err = r.WriteMarkdown(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", path)
	}
	return nil
}
