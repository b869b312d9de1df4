#!/usr/bin/env python3
"""The deployment files against the server's real flags.

Reads `maillage_server --help` (every flag the server has), then checks
deploy/kubernetes/*.yaml (parsed), deploy/Dockerfile and
deploy/maillage.service: every flag they pass exists; the ports they open,
probe, publish and allow are the ports those flags listen on; the probes use
the gRPC health service; selectors meet the pod's labels; the stop timeouts
exceed the server's shutdown grace.

    tests/deploy_test.py SERVER_BINARY SOURCE_DIR
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import unittest

import yaml

SERVER = sys.argv[1] if len(sys.argv) > 1 else "build/services/maillage_server"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
# Server::Shutdown's grace for in-flight calls (services/server.h).
SHUTDOWN_GRACE_SECONDS = 10


def server_flags():
    """Flag name -> default, from `maillage_server --help`."""
    run = subprocess.run([SERVER, "--help"], capture_output=True, text=True)
    flags = {}
    for match in re.finditer(r"^\s+--(\w+) \(.*?\);\s+default: (.*?);$",
                             run.stdout, re.M | re.S):
        flags[match.group(1)] = match.group(2).strip('"')
    return flags


FLAGS = server_flags()


def parse_args(args):
    """--name=value / --name -> {name: value or True}; fails on non-flags."""
    out = {}
    for arg in args:
        match = re.fullmatch(r"--(\w+)(?:=(.*))?", arg)
        if match is None:
            raise AssertionError(f"not a flag: {arg!r}")
        out[match.group(1)] = True if match.group(2) is None else match.group(2)
    return out


def port_of(address):
    return int(address.rsplit(":", 1)[1])


class HelpTest(unittest.TestCase):
    def test_help_lists_every_flag_of_the_server_with_its_default(self):
        with open(os.path.join(SOURCE, "services/main.cc")) as f:
            declared = re.findall(r"^ABSL_FLAG\([^,]+,\s*(\w+),", f.read(), re.M)
        self.assertGreater(len(declared), 60)
        for name in declared:
            self.assertIn(name, FLAGS, f"--help does not list --{name}")
        self.assertEqual(FLAGS["listen"], "127.0.0.1:50051")
        self.assertEqual(FLAGS["backup_keep"], "7")
        # None of Abseil's own.
        for name in ["flagfile", "fromenv", "tryfromenv", "helpfull", "undefok"]:
            self.assertNotIn(name, FLAGS)


class FlagChecks:
    def check_known(self, flags, where):
        for name in flags:
            self.assertIn(name, FLAGS, f"{where}: --{name} is not a server flag")


class KubernetesTest(FlagChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = []
        for path in sorted(glob.glob(os.path.join(SOURCE, "deploy/kubernetes/*.yaml"))):
            with open(path) as f:
                cls.docs += [d for d in yaml.safe_load_all(f) if d]
        cls.by_kind = {}
        for doc in cls.docs:
            cls.by_kind.setdefault(doc["kind"], []).append(doc)
        (cls.statefulset,) = cls.by_kind["StatefulSet"]
        cls.pod = cls.statefulset["spec"]["template"]
        (cls.container,) = cls.pod["spec"]["containers"]
        cls.args = parse_args(cls.container["args"])
        cls.ports = {p["name"]: p["containerPort"] for p in cls.container["ports"]}

    def test_every_kind_is_there(self):
        for kind in ["StatefulSet", "Service", "NetworkPolicy",
                     "PodDisruptionBudget", "ServiceMonitor"]:
            self.assertIn(kind, self.by_kind)

    def test_flags_exist_and_ports_match_them(self):
        self.check_known(self.args, "StatefulSet")
        self.assertEqual(self.ports["grpc"], port_of(self.args["listen"]))
        self.assertEqual(self.ports["http"], port_of(self.args["http_listen"]))
        self.assertEqual(self.ports["metrics"], port_of(self.args["metrics_address"]))

    def test_probes_call_the_grpc_health_service_on_the_grpc_port(self):
        for probe in ["startupProbe", "readinessProbe", "livenessProbe"]:
            spec = self.container[probe]
            self.assertIn("grpc", spec, probe)
            self.assertEqual(spec["grpc"]["port"], port_of(self.args["listen"]), probe)
            # The overall health ("") or one of the server's service names.
            self.assertIn(spec["grpc"].get("service", ""), ["", "maillage.v1.Writes"])

    def test_volumes_hold_the_data_and_backup_folders(self):
        mounts = [m["mountPath"] for m in self.container["volumeMounts"]]
        claims = {c["metadata"]["name"] for c in self.statefulset["spec"]["volumeClaimTemplates"]}
        mounted = {m["name"]: m["mountPath"] for m in self.container["volumeMounts"]}
        for flag in ["data_dir", "backup_dir"]:
            path = self.args[flag]
            self.assertTrue(any(path == m or path.startswith(m + "/") for m in mounts), flag)
        self.assertTrue(self.args["data_dir"].startswith(mounted["data"]))
        self.assertTrue(self.args["backup_dir"].startswith(mounted["backups"]))
        self.assertLessEqual({"data", "backups"}, claims)
        # Backups on their own volume, never inside the store.
        self.assertFalse(self.args["backup_dir"].startswith(self.args["data_dir"]))

    def test_services_and_policies_select_the_pod_and_its_ports(self):
        labels = self.pod["metadata"]["labels"]

        def selects(selector):
            return all(labels.get(k) == v for k, v in selector.items())

        for service in self.by_kind["Service"]:
            self.assertTrue(selects(service["spec"]["selector"]))
            for port in service["spec"]["ports"]:
                self.assertIn(port["targetPort"], self.ports)
                self.assertEqual(port["port"], self.ports[port["targetPort"]])
        (policy,) = self.by_kind["NetworkPolicy"]
        self.assertTrue(selects(policy["spec"]["podSelector"]["matchLabels"]))
        allowed = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
        self.assertEqual(allowed, set(self.ports.values()))
        (budget,) = self.by_kind["PodDisruptionBudget"]
        self.assertTrue(selects(budget["spec"]["selector"]["matchLabels"]))
        self.assertEqual(self.statefulset["spec"]["selector"]["matchLabels"],
                         {k: labels[k] for k in self.statefulset["spec"]["selector"]["matchLabels"]})

    def test_service_monitor_scrapes_the_metrics_port(self):
        (monitor,) = self.by_kind["ServiceMonitor"]
        (endpoint,) = monitor["spec"]["endpoints"]
        self.assertEqual(endpoint["path"], "/metrics")
        names = {p["name"] for s in self.by_kind["Service"] for p in s["spec"]["ports"]}
        self.assertIn(endpoint["port"], names)

    def test_stops_gracefully_as_a_non_root_user_with_memory_bounded(self):
        spec = self.pod["spec"]
        self.assertGreater(spec["terminationGracePeriodSeconds"], SHUTDOWN_GRACE_SECONDS)
        self.assertTrue(spec["securityContext"]["runAsNonRoot"])
        self.assertNotEqual(spec["securityContext"]["runAsUser"], 0)
        self.assertFalse(self.container["securityContext"]["allowPrivilegeEscalation"])
        resources = self.container["resources"]
        self.assertIn("memory", resources["requests"])
        self.assertIn("memory", resources["limits"])


class DockerfileTest(FlagChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SOURCE, "deploy/Dockerfile")) as f:
            cls.text = f.read().replace("\\\n", " ")

    def json_list(self, instruction):
        match = re.search(rf"^{instruction}\s+(\[.*?\])\s*$", self.text, re.M)
        self.assertIsNotNone(match, instruction)
        return yaml.safe_load(match.group(1))

    def test_entrypoint_flags_and_ports(self):
        entry = self.json_list("ENTRYPOINT")
        self.assertEqual(entry[0], "/usr/bin/maillage_server")
        args = parse_args(entry[1:])
        self.check_known(args, "Dockerfile")
        exposed = {int(p) for p in re.search(r"^EXPOSE\s+(.*)$", self.text, re.M).group(1).split()}
        self.assertEqual(exposed, {port_of(args["listen"]), port_of(args["http_listen"]),
                                   port_of(args["metrics_address"])})
        volume = re.search(r"^VOLUME\s+(\S+)", self.text, re.M).group(1)
        self.assertTrue(args["data_dir"].startswith(volume + "/"))

    def test_health_check_uses_the_cli_on_the_grpc_port(self):
        entry = parse_args(self.json_list("ENTRYPOINT")[1:])
        check = re.search(r"^HEALTHCHECK .*CMD\s+(\[.*\])\s*$", self.text, re.M)
        command = yaml.safe_load(check.group(1))
        self.assertEqual(command[0], "/usr/bin/maillage")
        self.assertEqual(command[-1], "health")
        self.assertIn(f"--server=127.0.0.1:{port_of(entry['listen'])}", command)

    def test_runs_as_a_non_root_user(self):
        user = re.findall(r"^USER\s+(\S+)", self.text, re.M)[-1]
        self.assertNotIn(user.split(":")[0], ["0", "root"])


class SystemdUnitTest(FlagChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SOURCE, "deploy/maillage.service")) as f:
            text = f.read().replace("\\\n", " ")
        cls.settings = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                cls.settings.setdefault(key.strip(), []).append(value.strip())

    def test_exec_start_flags_exist(self):
        (command,) = self.settings["ExecStart"]
        words = shlex.split(command)
        self.assertTrue(words[0].endswith("/maillage_server"))
        args = parse_args(words[1:])
        self.check_known(args, "maillage.service")
        state = self.settings["StateDirectory"][0].split()
        self.assertTrue(args["data_dir"].startswith(f"/var/lib/{state[0]}/"))
        self.assertIn(args["backup_dir"], [f"/var/lib/{s}" for s in state])

    def test_hardened_with_a_graceful_stop(self):
        for key, value in [("NoNewPrivileges", "true"), ("ProtectSystem", "strict"),
                           ("User", "maillage"), ("Restart", "on-failure"),
                           ("KillSignal", "SIGTERM")]:
            self.assertEqual(self.settings[key], [value], key)
        self.assertGreater(int(self.settings["TimeoutStopSec"][0]), SHUTDOWN_GRACE_SECONDS)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
