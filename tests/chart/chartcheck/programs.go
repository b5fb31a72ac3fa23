// The real programs accept what the chart renders: the controller is
// started with the rendered arguments and rules file (no API server: it
// must get as far as connecting, so every flag and the --config file
// parsed), and the webhook with the rendered rules file.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const unreachableKubeconfig = "/nonexistent/kubeconfig"

func (c *checker) programsAccept(ms []manifest, bin string) {
	if bin == "" {
		return
	}
	dir, err := os.MkdirTemp("", "chartcheck-")
	if err != nil {
		c.expect(false, "temp dir: %v", err)
		return
	}
	defer os.RemoveAll(dir)
	var rules string
	for _, m := range findAll(ms, "ConfigMap") {
		if strings.HasSuffix(m.name(), "-rules") {
			rules = filepath.Join(dir, "rules.yaml")
			c.expect(os.WriteFile(rules, []byte(str(m.Obj, "data", "rules.yaml")), 0o644) == nil, "write rules")
		}
	}
	for _, d := range findAll(ms, "Deployment") {
		if str(d.Obj, "metadata", "labels", "app.kubernetes.io/component") != "controller" {
			continue
		}
		var args []string
		for _, a := range strs(d.Obj, "spec", "template", "spec", "containers", 0, "args") {
			switch {
			case strings.HasPrefix(a, "--config="):
				a = "--config=" + rules
			case strings.HasPrefix(a, "--plugin-config="):
				continue // loads .so files that exist only in the image
			}
			args = append(args, a)
		}
		args = append(args, "--kubeconfig="+unreachableKubeconfig)
		out, _ := run(filepath.Join(bin, "warmpool-controller"), args)
		c.expect(strings.Contains(out, "kubeconfig "+unreachableKubeconfig),
			"warmpool-controller refused the rendered arguments %v: %s", args, out)
	}
}

// run starts the program and returns its combined output (bounded: 10 s).
func run(path string, args []string) (string, error) {
	cmd := exec.Command(path, args...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return string(out), fmt.Errorf("timed out")
	}
	return string(out), err
}
