// What a rendered installation must satisfy.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

type checker struct {
	root string // the source tree
	ns   string // release namespace
	// liveBundle: caBundle per configuration kind in the cluster lookup sees
	liveBundle map[string]string
	fails      []string
}

func (c *checker) expect(ok bool, f string, a ...interface{}) {
	if !ok {
		c.fails = append(c.fails, fmt.Sprintf(f, a...))
	}
}

func (c *checker) source(rel string) string {
	b, err := os.ReadFile(filepath.Join(c.root, rel))
	c.expect(err == nil, "read %s: %v", rel, err)
	return string(b)
}

// programFlags returns the flag names declared in a program's flags.c.
func (c *checker) programFlags(rel string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{"([a-z0-9-]+)", WP_FLAG_`).FindAllStringSubmatch(c.source(rel), -1) {
		out[m[1]] = true
	}
	return out
}

// argValue returns the value of --name=value in args.
func argValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if strings.HasPrefix(a, "--"+name+"=") {
			return strings.TrimPrefix(a, "--"+name+"="), true
		}
	}
	return "", false
}

// portOf returns the port number of ":8080"-style listen values.
func portOf(addr string) int {
	i := strings.LastIndex(addr, ":")
	n, _ := strconv.Atoi(addr[i+1:])
	return n
}

func containerPort(ctr interface{}, name string) int {
	for _, p := range list(ctr, "ports") {
		if str(p, "name") == name {
			n, _ := get(p, "containerPort").(int)
			return n
		}
	}
	return 0
}

type program struct {
	component string // webhook | controller
	binary    string
	flagsFile string
	// probe port name -> the flag whose listen address it must be, and the
	// source file that must serve the probe paths.
	listenFlag map[string]string
	pathSource string
	token      bool
}

var programs = []program{
	{"webhook", "/usr/bin/warmpool-webhook", "webhook/flags.c",
		map[string]string{"https": "listen", "metrics": "metrics-listen"}, "webhook/metrics_server.c", false},
	{"controller", "/usr/bin/warmpool-controller", "controller/flags.c",
		map[string]string{"metrics": "metrics-listen", "health": "health-listen", "history": "history-listen"}, "webhook/metrics_server.c", true},
}

func (c *checker) deployment(ms []manifest, p program, mode string) {
	if p.component == "webhook" {
		p.token = mode == "selfManaged"
	}
	var dep *manifest
	for i, d := range findAll(ms, "Deployment") {
		if str(d.Obj, "metadata", "labels", "app.kubernetes.io/component") == p.component {
			dep = &findAll(ms, "Deployment")[i]
		}
	}
	if dep == nil {
		c.expect(false, "no %s Deployment", p.component)
		return
	}
	d := dep.Obj
	podLabels := get(d, "spec", "template", "metadata", "labels")
	c.expect(selects(get(d, "spec", "selector", "matchLabels"), podLabels), "%s: selector does not match its pods", p.component)
	spec := get(d, "spec", "template", "spec")
	c.expect(get(spec, "automountServiceAccountToken") == p.token, "%s: automountServiceAccountToken must be %v", p.component, p.token)
	c.expect(get(spec, "securityContext", "runAsNonRoot") == true, "%s: pod runAsNonRoot", p.component)
	c.expect(str(spec, "securityContext", "seccompProfile", "type") == "RuntimeDefault", "%s: pod seccomp", p.component)
	ctrs := append(list(spec, "initContainers"), list(spec, "containers")...)
	for _, ctr := range ctrs {
		c.securityContext(p.component+"/"+str(ctr, "name"), ctr)
	}
	main := get(spec, "containers", 0)
	c.expect(len(list(spec, "containers")) == 1, "%s: one container", p.component)
	c.expect(strings.Join(strs(main, "command"), " ") == p.binary, "%s: command %v", p.component, strs(main, "command"))
	args := strs(main, "args")
	known := c.programFlags(p.flagsFile)
	for _, a := range args {
		name := strings.SplitN(strings.TrimPrefix(a, "--"), "=", 2)[0]
		c.expect(strings.HasPrefix(a, "--") && known[name], "%s: %q is not a flag of %s", p.component, a, p.flagsFile)
	}
	for portName, flag := range p.listenFlag {
		v, ok := argValue(args, flag)
		if !ok && containerPort(main, portName) == 0 {
			continue // an optional listener the chart leaves off
		}
		if !ok {
			v = regexp.MustCompile(`\{"` + flag + `", WP_FLAG_STRING, "([^"]*)"`).FindStringSubmatch(c.source(p.flagsFile))[1]
		}
		c.expect(containerPort(main, portName) == portOf(v) && portOf(v) > 0,
			"%s: port %s is %d but --%s is %q", p.component, portName, containerPort(main, portName), flag, v)
	}
	served := c.source(p.pathSource)
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		pr := get(main, probe)
		if pr == nil {
			c.expect(probe == "startupProbe", "%s: no %s", p.component, probe)
			continue
		}
		port := str(pr, "httpGet", "port")
		path := str(pr, "httpGet", "path")
		c.expect(p.listenFlag[port] != "" && containerPort(main, port) > 0, "%s: %s port %q is not a port the program listens on", p.component, probe, port)
		c.expect(strings.Contains(served, `"`+path+`"`), "%s: %s path %q not served by %s", p.component, probe, path, p.pathSource)
	}
	for _, r := range []string{"requests", "limits"} {
		for _, k := range []string{"cpu", "memory"} {
			c.expect(get(main, "resources", r, k) != nil, "%s: resources.%s.%s", p.component, r, k)
		}
	}
	c.services(ms, p.component, podLabels, main)
}

func (c *checker) securityContext(who string, ctr interface{}) {
	sc := get(ctr, "securityContext")
	c.expect(get(sc, "runAsNonRoot") == true, "%s: runAsNonRoot", who)
	c.expect(get(sc, "readOnlyRootFilesystem") == true, "%s: readOnlyRootFilesystem", who)
	c.expect(get(sc, "allowPrivilegeEscalation") == false, "%s: allowPrivilegeEscalation false", who)
	c.expect(strings.Join(strs(sc, "capabilities", "drop"), ",") == "ALL", "%s: capabilities drop ALL", who)
	c.expect(len(list(sc, "capabilities", "add")) == 0, "%s: no capability added", who)
	c.expect(str(sc, "seccompProfile", "type") == "RuntimeDefault", "%s: seccompProfile RuntimeDefault", who)
	uid, _ := get(sc, "runAsUser").(int)
	c.expect(uid > 0, "%s: numeric non-root runAsUser", who)
}

// services: each Service of the component selects its pods and targets a
// named container port that exists.
func (c *checker) services(ms []manifest, component string, podLabels, ctr interface{}) {
	n := 0
	for _, s := range findAll(ms, "Service") {
		if str(s.Obj, "metadata", "labels", "app.kubernetes.io/component") != component {
			continue
		}
		n++
		c.expect(selects(get(s.Obj, "spec", "selector"), podLabels), "Service %s does not select the %s pods", s.name(), component)
		for _, p := range list(s.Obj, "spec", "ports") {
			t := str(p, "targetPort")
			c.expect(containerPort(ctr, t) > 0, "Service %s: targetPort %q is no container port", s.name(), t)
		}
	}
	c.expect(n > 0, "no Service for the %s", component)
}
