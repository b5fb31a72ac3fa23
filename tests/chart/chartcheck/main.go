// chartcheck renders charts/warmpool like `helm template` and checks the
// result (tests/chart/README.md).
//
//	chartcheck render -chart DIR [-f values.yaml]... [-n NS] [-name REL]
//	chartcheck check -chart DIR -src ROOT
//	chartcheck crds CHART_CRDS_DIR REFERENCE_DIR (upstream schema compatibility)
//	chartcheck perms   (in the source tree: the controller's permissions)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func deepCopy(m map[string]interface{}) map[string]interface{} {
	b, _ := json.Marshal(m)
	out := map[string]interface{}{}
	_ = json.Unmarshal(b, &out)
	return out
}

// values returns the chart's defaults with each overlay merged, as Helm's
// -f does, and the schema's complaints.
func (c *chart) valuesWith(overlays ...map[string]interface{}) (map[string]interface{}, []string) {
	v := deepCopy(c.values)
	for _, o := range overlays {
		mergeValues(v, deepCopy(o))
	}
	return v, validateValues(c.schema, v)
}

func renderCmd(args []string) int {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	dir := fs.String("chart", "charts/warmpool", "chart directory")
	ns := fs.String("n", "warmpool-system", "release namespace")
	name := fs.String("name", "warmpool", "release name")
	var files valueFiles
	fs.Var(&files, "f", "values file (repeatable)")
	fs.Parse(args)
	c, err := loadChart(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var overlays []map[string]interface{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			var m map[string]interface{}
			m, err = parseYAMLMap(b)
			overlays = append(overlays, m)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", f, err)
			return 1
		}
	}
	v, errs := c.valuesWith(overlays...)
	if len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "values don't meet the specifications of the schema(s):\n- %s\n", strings.Join(errs, "\n- "))
		return 1
	}
	out, err := c.render(v, release{*name, *ns})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, r := range out {
		// like helm template: NOTES.txt is not a manifest
		if strings.TrimSpace(r.Text) != "" && !strings.HasSuffix(r.Name, "NOTES.txt") {
			fmt.Printf("---\n# Source: %s\n%s\n", r.Name, r.Text)
		}
	}
	return 0
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: chartcheck render|check [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "render":
		os.Exit(renderCmd(os.Args[2:]))
	case "perms":
		perms, errs := controllerPerms(".")
		wperms, werrs := webhookPerms(".")
		for _, p := range wperms {
			fmt.Println("webhook", p)
		}
		errs = append(errs, werrs...)
		for _, p := range perms {
			fmt.Println(p)
		}
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, e)
		}
		if len(errs) > 0 {
			os.Exit(1)
		}
		os.Exit(0)
	case "check":
		os.Exit(checkCmd(os.Args[2:]))
	case "crds":
		if len(os.Args) != 4 {
			fmt.Fprintln(os.Stderr, "usage: chartcheck crds CHART_CRDS_DIR REFERENCE_DIR")
			os.Exit(2)
		}
		os.Exit(crdsCmd(os.Args[2], os.Args[3]))
	}
	fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
	os.Exit(2)
}
