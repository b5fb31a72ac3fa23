// Prints Go's json.Marshal bytes for the templates test_blueprint.c checks,
// using structs declared like k8s.io/api core/v1 and agent-sandbox v1beta1
// (only the fields the fixtures use, in declaration order, same tags).
// Regenerate the expected strings with: go run blueprint_bytes.go
package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
)

type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	HostPort      int32  `json:"hostPort,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"`
}
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}
type ResourceRequirements struct {
	Limits   map[string]string `json:"limits,omitempty"`
	Requests map[string]string `json:"requests,omitempty"`
}
type VolumeMount struct {
	Name      string `json:"name"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	MountPath string `json:"mountPath"`
}
type Container struct {
	Name         string               `json:"name"`
	Image        string               `json:"image,omitempty"`
	Command      []string             `json:"command,omitempty"`
	Ports        []ContainerPort      `json:"ports,omitempty"`
	Env          []EnvVar             `json:"env,omitempty"`
	Resources    ResourceRequirements `json:"resources,omitempty"`
	VolumeMounts []VolumeMount        `json:"volumeMounts,omitempty"`
}
type EmptyDir struct {
	Medium string `json:"medium,omitempty"`
}
type Volume struct {
	Name     string    `json:"name"`
	EmptyDir *EmptyDir `json:"emptyDir,omitempty"`
}
type PodSpec struct {
	Volumes                      []Volume          `json:"volumes,omitempty"`
	Containers                   []Container       `json:"containers"`
	RestartPolicy                string            `json:"restartPolicy,omitempty"`
	NodeSelector                 map[string]string `json:"nodeSelector,omitempty"`
	AutomountServiceAccountToken *bool             `json:"automountServiceAccountToken,omitempty"`
	HostNetwork                  bool              `json:"hostNetwork,omitempty"`
	RuntimeClassName             *string           `json:"runtimeClassName,omitempty"`
}
type PodMetadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}
type PodTemplate struct {
	Spec       PodSpec     `json:"spec"`
	ObjectMeta PodMetadata `json:"metadata"`
}
type EmbeddedObjectMetadata struct {
	Name   string            `json:"name,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}
type VolumeResourceRequirements struct {
	Requests map[string]string `json:"requests,omitempty"`
}
type PVCSpec struct {
	AccessModes      []string                   `json:"accessModes,omitempty"`
	Resources        VolumeResourceRequirements `json:"resources,omitempty"`
	StorageClassName *string                    `json:"storageClassName,omitempty"`
}
type PVCTemplate struct {
	EmbeddedObjectMetadata `json:"metadata"`
	Spec                   PVCSpec `json:"spec"`
}
type SandboxBlueprint struct {
	PodTemplate          PodTemplate   `json:"podTemplate"`
	VolumeClaimTemplates []PVCTemplate `json:"volumeClaimTemplates,omitempty"`
	Service              *bool         `json:"service,omitempty"`
}

func show(name string, in string) {
	var bp SandboxBlueprint
	if err := json.Unmarshal([]byte(in), &bp); err != nil {
		panic(err)
	}
	out, _ := json.Marshal(bp)
	h := fnv.New32a()
	h.Write(out)
	fmt.Printf("%s\n%s\n%08x\n", name, out, h.Sum32())
	pt, _ := json.Marshal(bp.PodTemplate)
	h = fnv.New32a()
	h.Write(pt)
	fmt.Printf("%s\n%08x\n", pt, h.Sum32())
}

func main() {
	show("minimal", `{"podTemplate":{"spec":{"containers":[{"name":"main","image":"busybox"}]}}}`)
	show("full", `{"podTemplate":{"metadata":{"labels":{"z":"1","a":"<b>&"},"annotations":{"k":"v\u2028"}},`+
		`"spec":{"hostNetwork":false,"restartPolicy":"Never","automountServiceAccountToken":true,`+
		`"runtimeClassName":"gvisor","nodeSelector":{"b":"2","a":"1"},`+
		`"volumes":[{"name":"scratch","emptyDir":{}}],`+
		`"containers":[{"image":"python:3.12","name":"py","command":["python","-c","print(1<2)"],`+
		`"ports":[{"containerPort":8888,"protocol":"TCP"}],"env":[{"name":"A","value":""},{"value":"x\ty","name":"B"}],`+
		`"resources":{"requests":{"memory":"1Gi","cpu":"500m"}},"volumeMounts":[{"mountPath":"/scratch","name":"scratch","readOnly":false}]}]}},`+
		`"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}],`+
		`"service":false}`)
}
