// Derives the API permissions warmpool-controller needs from its source,
// so the chart's RBAC is compared with what the code calls, not with a
// second hand-written list:
//   - every cache in controller/caches.c is an informer: list, watch;
//   - every wp_ctl_read_live call (a GET past the cache): get on the
//     cache's kind;
//   - every wp_ctl_create/update/patch/delete call: that verb on the
//     cache's kind (patch with sub "status": the status subresource); a
//     cache passed through a helper's parameter is followed to the
//     helper's callers (any depth); a call that cannot be resolved is an
//     error, so new code cannot slip past the check;
//   - leader.c's requests on the Lease (GET/POST/PUT);
//   - events.c's create and patch of events (events.k8s.io when the
//     manager sets events_v1);
//   - any other direct wp_kube_* request in controller/*.c is an error.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type perm struct{ Group, Resource, Verb string }

func (p perm) String() string {
	g := p.Group
	if g == "" {
		g = "core"
	}
	return g + "/" + p.Resource + ":" + p.Verb
}

type kindInfo struct{ group, plural string }

var (
	reDefine   = regexp.MustCompile(`#define\s+(\w+)\s+"([^"]*)"`)
	reKind     = regexp.MustCompile(`\[(WP_KIND_\w+)\]\s*=\s*\{\s*"\w+",\s*(\w+|"[^"]*"),\s*"\w+",\s*"(\w+)"`)
	reCache    = regexp.MustCompile(`\[(WP_CACHE_\w+)\]\s*=\s*(WP_KIND_\w+)`)
	reCtlCall  = regexp.MustCompile(`\bwp_ctl_(read_live|create|update|patch|delete)\(`)
	reFuncDef  = regexp.MustCompile(`(?m)^(?:static\s+)?(?:const\s+)?[\w\s\*]*?\b(\w+)\(([^;{}]*)\)\s*\{`)
	reKubeCall = regexp.MustCompile(`\bwp_kube_(get|get_subresource|list|list_each|create|update|update_subresource|patch|delete|watch|watch_jdoc|call_json|http)\(`)
	reLeaderRq = regexp.MustCompile(`wp_kube_call_json\([^,]+,\s*"(\w+)"`)
)

// callArgs returns the top-level comma-separated arguments of the call
// whose '(' is at open.
func callArgs(src string, open int) []string {
	depth, start := 0, open+1
	var args []string
	for i := open; i < len(src); i++ {
		switch src[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return append(args, strings.TrimSpace(src[start:i]))
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(src[start:i]))
				start = i + 1
			}
		}
	}
	return args
}

// enclosingFunc returns the name and parameter names of the function
// defined last before offset.
func enclosingFunc(src string, offset int) (string, []string) {
	var name string
	var params []string
	for _, m := range reFuncDef.FindAllStringSubmatchIndex(src[:offset], -1) {
		name = src[m[2]:m[3]]
		params = nil
		for _, p := range strings.Split(src[m[4]:m[5]], ",") {
			f := strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == '*' || r == '\n' })
			if len(f) > 0 {
				params = append(params, f[len(f)-1])
			}
		}
	}
	return name, params
}

// isDefinition: a name at offset on a line that starts at column 0 is a
// definition or prototype (STYLE.md: statements are indented).
func isDefinition(src string, offset int) bool {
	start := strings.LastIndexByte(src[:offset], '\n') + 1
	return src[start] != ' ' && src[start] != '\t'
}

type scanner struct {
	root   string
	kinds  map[string]kindInfo // WP_KIND_X
	caches map[string]string   // WP_CACHE_X -> WP_KIND_X
	files  map[string]string
	errs   []string
}

func (s *scanner) read(rel string) string {
	b, err := os.ReadFile(filepath.Join(s.root, rel))
	if err != nil {
		s.errs = append(s.errs, err.Error())
	}
	return string(b)
}

func (s *scanner) loadTables() {
	res := s.read("controller/kube/kube_resource.c")
	defs := map[string]string{}
	for _, m := range reDefine.FindAllStringSubmatch(res, -1) {
		defs[m[1]] = m[2]
	}
	s.kinds = map[string]kindInfo{}
	for _, m := range reKind.FindAllStringSubmatch(res, -1) {
		g := strings.Trim(m[2], `"`)
		if v, ok := defs[m[2]]; ok {
			g = v
		}
		s.kinds[m[1]] = kindInfo{g, m[3]}
	}
	s.caches = map[string]string{}
	for _, m := range reCache.FindAllStringSubmatch(s.read("controller/caches.c"), -1) {
		s.caches[m[1]] = m[2]
	}
}

// resolveCache returns the WP_CACHE_* constants arg may hold at a call in
// file at offset, following parameters to callers up to depth levels.
func (s *scanner) resolveCache(file, arg string, offset, depth int) []string {
	return s.resolve(file, arg, offset, depth, func(a string) bool { return strings.HasPrefix(a, "WP_CACHE_") })
}

// resolve returns the terminal expressions (terminal(arg) true) that arg
// may hold at a call in file at offset, following a function parameter to
// the function's callers up to depth levels.
func (s *scanner) resolve(file, arg string, offset, depth int, terminal func(string) bool) []string {
	if terminal(arg) {
		return []string{arg}
	}
	fn, params := enclosingFunc(s.files[file], offset)
	idx := -1
	for i, p := range params {
		if p == arg {
			idx = i
		}
	}
	if idx < 0 || depth == 0 {
		s.errs = append(s.errs, fmt.Sprintf("%s: cannot tell which kind %q is in %s()", file, arg, fn))
		return nil
	}
	var out []string
	src := s.files[file]
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(fn) + `\(`)
	for _, m := range re.FindAllStringIndex(src, -1) {
		if isDefinition(src, m[0]) {
			continue
		}
		args := callArgs(src, m[1]-1)
		if idx < len(args) {
			out = append(out, s.resolve(file, args[idx], m[0], depth-1, terminal)...)
		}
	}
	if len(out) == 0 {
		s.errs = append(s.errs, fmt.Sprintf("%s: %s() is never called with a known kind", file, fn))
	}
	return out
}

func (s *scanner) add(set map[perm]bool, cache, verb, sub string) {
	k, ok := s.kinds[s.caches[cache]]
	if !ok {
		s.errs = append(s.errs, "unknown cache "+cache)
		return
	}
	r := k.plural
	if sub != "" {
		r += "/" + sub
	}
	set[perm{k.group, r, verb}] = true
}

func (s *scanner) scanWrites(set map[perm]bool) {
	for file, src := range s.files {
		for _, m := range reCtlCall.FindAllStringSubmatchIndex(src, -1) {
			if isDefinition(src, m[0]) {
				continue
			}
			verb := src[m[2]:m[3]]
			if verb == "read_live" {
				verb = "get"
			}
			args := callArgs(src, m[1]-1)
			if len(args) < 2 {
				continue
			}
			sub := ""
			if verb == "patch" && len(args) > 4 {
				switch a := args[4]; a {
				case "NULL":
				case `"status"`:
					sub = "status"
				default:
					s.errs = append(s.errs, fmt.Sprintf("%s: patch subresource %s not a literal", file, a))
				}
			}
			for _, c := range s.resolveCache(file, args[1], m[0], 5) {
				s.add(set, c, verb, sub)
			}
		}
		if file == "controller/ctl.c" {
			continue
		}
		if m := reKubeCall.FindStringIndex(src); m != nil {
			line := strings.Count(src[:m[0]], "\n") + 1
			s.errs = append(s.errs, fmt.Sprintf("%s:%d: direct API request the RBAC scan does not model", file, line))
		}
	}
}

func (s *scanner) scanLeaderAndEvents(set map[perm]bool) {
	verbs := map[string]string{"GET": "get", "POST": "create", "PUT": "update"}
	lease := s.kinds["WP_KIND_LEASE"]
	for _, m := range reLeaderRq.FindAllStringSubmatch(s.read("controller/kube/leader.c"), -1) {
		set[perm{lease.group, lease.plural, verbs[m[1]]}] = true
	}
	ev := s.kinds["WP_KIND_EVENT"]
	if strings.Contains(s.files["controller/manager.c"], ".events_v1 = true") {
		ev = s.kinds["WP_KIND_EVENT_V1"]
	}
	events := s.read("controller/kube/events.c")
	for verb, re := range map[string]string{"create": "wp_kube_create(", "patch": "wp_kube_patch("} {
		if strings.Contains(events, re) {
			set[perm{ev.group, ev.plural, verb}] = true
		}
	}
}

// controllerPerms returns the sorted permissions the controller's code
// needs, or the reasons it could not tell.
func controllerPerms(root string) ([]perm, []string) {
	s := &scanner{root: root, files: map[string]string{}}
	s.loadTables()
	paths, _ := filepath.Glob(filepath.Join(root, "controller", "*.c"))
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		s.files[rel] = s.read(rel)
	}
	set := map[perm]bool{}
	for c := range s.caches {
		s.add(set, c, "list", "")
		s.add(set, c, "watch", "")
	}
	s.scanWrites(set)
	s.scanLeaderAndEvents(set)
	return sortedPerms(set), s.errs
}

func sortedPerms(set map[perm]bool) []perm {
	out := make([]perm, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

var (
	reKindTable = regexp.MustCompile(`(?s)static const wp_kube_kind (\w+)(?:\[\])? = \{(.*?)\};`)
	reKindEntry = regexp.MustCompile(`\{?"\w+", "([^"]*)", "\w+", "(\w+)"`)
	reKindRef   = regexp.MustCompile(`^&(\w+)(?:\[[^\]]*\])?$`)
	reVerbCall  = regexp.MustCompile(`\bwp_kube_(get|create|update|patch|delete|list)\(`)
)

// webhookPerms returns what warmpool-webhook's code calls: the verbs of
// webhook/*.c's wp_kube_* calls on the kinds of their local tables (a
// kind passed through a parameter is followed to the callers).
func webhookPerms(root string) ([]perm, []string) {
	s := &scanner{root: root, files: map[string]string{}}
	paths, _ := filepath.Glob(filepath.Join(root, "webhook", "*.c"))
	set := map[perm]bool{}
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		src := s.read(rel)
		s.files[rel] = src
		tables := map[string][]kindInfo{}
		for _, t := range reKindTable.FindAllStringSubmatch(src, -1) {
			for _, e := range reKindEntry.FindAllStringSubmatch(t[2], -1) {
				tables[t[1]] = append(tables[t[1]], kindInfo{e[1], e[2]})
			}
		}
		for _, m := range reVerbCall.FindAllStringSubmatchIndex(src, -1) {
			if isDefinition(src, m[0]) {
				continue
			}
			args := callArgs(src, m[1]-1)
			if len(args) < 2 {
				continue
			}
			for _, ref := range s.resolve(rel, args[1], m[0], 5, reKindRef.MatchString) {
				kinds, ok := tables[reKindRef.FindStringSubmatch(ref)[1]]
				if !ok {
					s.errs = append(s.errs, fmt.Sprintf("%s: kind %s is not a local table", rel, ref))
				}
				for _, k := range kinds {
					set[perm{k.group, k.plural, src[m[2]:m[3]]}] = true
				}
			}
		}
	}
	return sortedPerms(set), s.errs
}
