#!/usr/bin/env python3
"""The OCI image, run the way deploy/kubernetes/daemonset.yaml runs it.

usage: test-oci-image.py SOURCE_ROOT IMAGE_LAYOUT[:TAG]   (as root)

scripts/oci-image.sh builds the image; CI (.ci/run) runs this after it. The
image is unpacked with umoci into an OCI bundle, and the bundle's runtime
config is set from the DaemonSet manifest itself, so the two cannot differ:

- hostPID / hostNetwork: no pid / network namespace of its own;
- securityContext: capabilities exactly the manifest's "add" list (which
  deploy/capabilities.txt must equal), none else in any set; the root
  filesystem read-only when readOnlyRootFilesystem; seccomp Unconfined:
  no filter;
- the container's command: the image's entrypoint with the manifest's args,
  which must be the image's own default command;
- volumeMounts: each hostPath volume bind-mounted from the host (read-only
  where the manifest says so: /run and /sys/fs/cgroup are the host's own),
  (/run/rtsensor the host's own, writable, made when missing and removed
  when empty after), except /var/lib/rtsensor and /var/log/rtsensor, which come from a
  directory of this test instead of the host's (the test must not leave a
  baseline behind); the ConfigMap volume is a directory holding the
  ConfigMap's files as the manifest writes them.

Then runc starts it (cgroup path shaped as kubelet's, a private runc root),
the test executes a probe on the host, named as a coin miner
(rules/default.rules: miner-exec, fires while learning), until the sensor in
the container writes the alert for that host process into its alert file on
the logs volume; it checks that the sensor installed its audit rules (their
key names its host pid), stops it with SIGTERM as the kubelet does, and
checks that it exited 0 and left no audit rule with its key and no iptables
rule with its tag behind. Anything the sensor says on stderr while it runs
is a failure: a source it skips, a state it cannot save; the settings must
let it start every source the host offers. Any
reason the test cannot run is a failure: it is run on purpose.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0  # seconds for the sensor to report the probe; for runc to stop it


def fail(msg):
    print("oci-image: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw)


def parse_daemonset(path):
    """The settings the test applies, read from the manifest (its own fixed style)."""
    text = open(path).read()
    ds = {}
    ds["hostPID"] = re.search(r"^\s*hostPID: true\s*$", text, re.M) is not None
    ds["hostNetwork"] = re.search(r"^\s*hostNetwork: true\s*$", text, re.M) is not None
    ds["readonly_root"] = re.search(r"^\s*readOnlyRootFilesystem: true\s*$", text, re.M) is not None
    ds["unconfined"] = re.search(r"seccompProfile:\s*\n\s*type: Unconfined", text) is not None
    m = re.search(r"^\s*add: \[(.*)\]\s*$", text, re.M)
    ds["caps"] = sorted("CAP_" + c.strip().strip('"') for c in m.group(1).split(",")) if m else []
    ds["drop_all"] = re.search(r'^\s*drop: \["ALL"\]\s*$', text, re.M) is not None
    m = re.search(r"^\s*args: (\[.*\])\s*$", text, re.M)
    ds["args"] = json.loads(m.group(1)) if m else None
    m = re.search(r"^\s*image: (\S+)\s*$", text, re.M)
    ds["image"] = m.group(1) if m else None
    ds["mounts"] = [dict(name=n, path=p, ro=(ro == "true")) for n, p, ro in re.findall(
        r"- \{ name: ([\w-]+), mountPath: ([^,}\s]+)(?:, readOnly: (true))? \}", text)]
    ds["hostpaths"] = dict(re.findall(r"- name: ([\w-]+)\n\s+hostPath: \{ path: ([^,}\s]+)", text))
    ds["configmaps"] = dict(re.findall(r"- name: ([\w-]+)\n\s+configMap: \{ name: ([\w-]+) \}", text))
    # The ConfigMaps' files: "  KEY: |" blocks under "data:".
    ds["configmap_data"] = {}
    for doc in text.split("\n---\n"):
        if not re.search(r"^kind: ConfigMap$", doc, re.M):
            continue
        name = re.search(r"^  name: ([\w-]+)$", doc, re.M).group(1)
        files = {}
        for key, body in re.findall(r"^  ([\w.-]+): \|\n((?:    .*\n?|\s*\n)+)", doc, re.M):
            files[key] = "".join(line[4:] + "\n" for line in body.rstrip("\n").split("\n"))
        ds["configmap_data"][name] = files
    return ds


def audit_keys():
    """The key of every audit rule, once per rule."""
    out = run(["auditctl", "-l"]).stdout
    return [a or b for a, b in re.findall(r"-F key=(\S+)|-k (\S+)", out)]


def iptables_rules():
    text = ""
    for tool in ("iptables", "ip6tables"):
        for table in ("filter", "mangle", "raw"):
            r = subprocess.run([tool, "-w", "-t", table, "-S"], text=True, capture_output=True)
            text += r.stdout
    return text


def main():
    if len(sys.argv) != 3:
        fail("usage: test-oci-image.py SOURCE_ROOT IMAGE_LAYOUT[:TAG]")
    root, image = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        fail("needs root (runc, audit, the host's /run)")
    for tool in ("runc", "umoci", "auditctl", "iptables", "ip6tables"):
        if shutil.which(tool) is None:
            fail(f"{tool} is missing (scripts/deps.sh installs it)")

    ds = parse_daemonset(os.path.join(root, "deploy/kubernetes/daemonset.yaml"))
    want_caps = sorted(l.strip() for l in open(os.path.join(root, "deploy/capabilities.txt"))
                       if l.strip() and not l.startswith("#"))
    if ds["caps"] != want_caps:
        fail(f"the DaemonSet adds {ds['caps']}, deploy/capabilities.txt says {want_caps}")
    if not (ds["drop_all"] and ds["args"] and ds["mounts"]):
        fail(f"the DaemonSet lacks settings this test applies: {ds}")
    if ":" not in image:
        image += ":" + ds["image"].rsplit(":", 1)[1]
    elif image.rsplit(":", 1)[1] != ds["image"].rsplit(":", 1)[1]:
        fail(f"the image's tag is not the DaemonSet's image {ds['image']}")

    tmp = tempfile.mkdtemp(prefix="rtsensor-oci.")
    os.chmod(tmp, 0o755)
    runc_root = os.path.join(tmp, "runc")
    cid = os.urandom(32).hex()
    pod = "%08x-%04x-%04x-%04x-%012x" % tuple(int.from_bytes(os.urandom(n), "big") for n in (4, 2, 2, 2, 6))
    proc = None
    made = []  # host directories the test created for hostPath volumes
    try:
        bundle = os.path.join(tmp, "bundle")
        run(["umoci", "unpack", "--image", image, bundle])
        cfg_path = os.path.join(bundle, "config.json")
        cfg = json.load(open(cfg_path))
        entry = cfg["process"]["args"][:1]
        if cfg["process"]["args"] != entry + ds["args"]:
            fail(f"the image's default command {cfg['process']['args']} is not the DaemonSet's args {ds['args']}")

        # The pod's namespaces: the host's pid and network namespaces.
        drop_ns = {"pid"} if ds["hostPID"] else set()
        drop_ns |= {"network"} if ds["hostNetwork"] else set()
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] not in drop_ns]
        caps = cfg["process"]["capabilities"]
        for s in ("bounding", "effective", "permitted"):
            caps[s] = list(want_caps)
        caps["inheritable"] = []
        caps["ambient"] = []
        cfg["process"]["noNewPrivileges"] = False  # allowPrivilegeEscalation is not set
        cfg["process"]["terminal"] = False
        cfg["root"]["readonly"] = ds["readonly_root"]
        if ds["unconfined"]:
            cfg["linux"].pop("seccomp", None)
        cfg["linux"]["cgroupsPath"] = f"/kubepods/besteffort/pod{pod}/{cid}"
        cfg["hostname"] = "rtsensor-test"

        # The volumes, in the manifest's order, over the image's own mounts.
        local = {"/var/lib/rtsensor": os.path.join(tmp, "state"),
                 "/var/log/rtsensor": os.path.join(tmp, "logs")}
        mounts = []
        for m in ds["mounts"]:
            if m["name"] in ds["configmaps"]:
                src = os.path.join(tmp, "configmap-" + m["name"])
                os.makedirs(src)
                files = ds["configmap_data"].get(ds["configmaps"][m["name"]])
                if not files:
                    fail(f"the DaemonSet mounts ConfigMap {ds['configmaps'][m['name']]}, which it does not define")
                # as the kubelet writes a ConfigMap volume: the files in a
                # timestamped directory, "..data" links to it, each key links
                # through "..data" (an update swaps one link)
                stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.000000000", time.gmtime())
                os.makedirs(os.path.join(src, stamp))
                os.symlink(stamp, os.path.join(src, "..data"))
                for key, body in files.items():
                    with open(os.path.join(src, stamp, key), "w") as f:
                        f.write(body)
                    os.symlink(os.path.join("..data", key), os.path.join(src, key))
            elif m["name"] in ds["hostpaths"]:
                if ds["hostpaths"][m["name"]] != m["path"]:
                    fail(f"volume {m['name']}: host path {ds['hostpaths'][m['name']]} mounted at {m['path']}"
                         " (this test mounts host paths where the node has them)")
                src = local.get(m["path"], m["path"])
                if not os.path.isdir(src):  # DirectoryOrCreate, as the kubelet does
                    os.makedirs(src)
                    made.append(src)
            else:
                fail(f"volume {m['name']} is neither a hostPath nor a ConfigMap")
            opts = ["rbind", "rprivate"] + (["ro"] if m["ro"] else ["rw"])
            mounts.append({"destination": m["path"], "type": "bind", "source": src, "options": opts})
        dests = {m["destination"] for m in mounts}
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in dests] + mounts
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=1)

        # The probe: a host binary named as a miner, run from the test's directory.
        probe = os.path.join(tmp, "xmrig-probe")
        shutil.copy("/bin/true", probe)
        alerts = os.path.join(local["/var/log/rtsensor"], "alerts.json")

        out = open(os.path.join(tmp, "stdout"), "w")
        err = open(os.path.join(tmp, "stderr"), "w")
        proc = subprocess.Popen(["runc", "--root", runc_root, "run", "--bundle", bundle, cid],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        start = time.monotonic()
        pid = None
        while pid is None:
            if proc.poll() is not None:
                break
            r = subprocess.run(["runc", "--root", runc_root, "state", cid], text=True, capture_output=True)
            if r.returncode == 0 and json.loads(r.stdout).get("status") == "running":
                pid = json.loads(r.stdout)["pid"]
            elif time.monotonic() - start > TIMEOUT:
                fail("runc did not start the container")
            else:
                time.sleep(0.05)
        if pid is None:
            fail(f"the container exited {proc.returncode} at start: {open(err.name).read()[-2000:]}")

        # The sensor's audit key names its host pid (hostPID: its own pid is the host's).
        key_re = re.compile(r"^rtsensor-[0-9a-f]{8}-\d+-%d(-\d+)?$" % pid)
        found = None
        probes = 0
        while found is None:
            if proc.poll() is not None:
                fail(f"the sensor exited {proc.returncode} before it reported the probe: "
                     f"{open(err.name).read()[-2000:]}")
            if time.monotonic() - start > TIMEOUT:
                fail(f"no alert for the host probe after {TIMEOUT:.0f} s ({probes} probes); "
                     f"stderr: {open(err.name).read()[-2000:]}")
            subprocess.run([probe], check=True)
            probes += 1
            if os.path.exists(alerts):
                for line in open(alerts):
                    try:
                        a = json.loads(line)
                    except ValueError:
                        fail(f"a line of {alerts} is not JSON: {line!r}")
                    p = a.get("process") or {}
                    if a.get("workload", {}).get("kind") == "host" and \
                            os.path.basename(p.get("exe", "")) == "xmrig-probe":
                        found = a
                        break
            if found is None:
                time.sleep(0.1)
        # every source of the default set started: what the host offers the
        # capabilities and namespaces must let the container use
        # a sensor that runs as it should says nothing on stderr (a skipped
        # source, a state it cannot save: each is a line there)
        said = open(err.name).read()
        if said:
            fail("the sensor in the container complained: " + said[-2000:])
        keys = [k for k in audit_keys() if key_re.match(k)]
        if not keys:
            fail(f"no audit rule with the sensor's key (pid {pid}) while it runs")

        # Stop it as the kubelet does: SIGTERM, then wait.
        run(["runc", "--root", runc_root, "kill", cid, "TERM"])
        try:
            rc = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            fail("the sensor did not stop within %.0f s of SIGTERM" % TIMEOUT)
        proc = None
        if rc != 0:
            fail(f"the sensor exited {rc} after SIGTERM: {open(err.name).read()[-2000:]}")
        left = sorted({k for k in audit_keys() if key_re.match(k)})
        if left:
            fail(f"audit rules left behind with keys {left}")
        tag_re = re.compile(r"rtsensor-(nfq|ct)-[0-9a-f]{8}-\d+-%d-" % pid)
        rules = [l for l in iptables_rules().splitlines() if tag_re.search(l)]
        if rules:
            fail(f"iptables rules left behind: {rules}")
        print(f"oci-image: {image} under runc as the DaemonSet runs it (hostPID {ds['hostPID']}, "
              f"hostNetwork {ds['hostNetwork']}, {len(want_caps)} capabilities, {len(mounts)} volumes, read-only root): "
              f"host exec reported as {found['alert'].get('rule') or found['alert'].get('reason')} "
              f"after {probes} probes, {len(keys)} audit rules while running, "
              f"exit 0 on SIGTERM, no rules left")
    finally:
        if proc is not None:
            subprocess.run(["runc", "--root", runc_root, "kill", cid, "KILL"], capture_output=True)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["runc", "--root", runc_root, "delete", "-f", cid], capture_output=True)
        # runc removes the container's cgroup, not the pod's it created above it
        for ctl in [""] + sorted(os.listdir("/sys/fs/cgroup")):
            for d in (f"/kubepods/besteffort/pod{pod}/{cid}", f"/kubepods/besteffort/pod{pod}"):
                try:
                    os.rmdir(f"/sys/fs/cgroup/{ctl}{d}".replace("//", "/"))
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
        for d in made:
            try:
                os.rmdir(d)  # only when empty: another sensor may use it by now
            except OSError:
                pass


if __name__ == "__main__":
    main()
