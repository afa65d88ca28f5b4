# Executes a Tiltfile with recording stand-ins for Tilt's builtins and prints what it declared,
# as JSON, for test/chart/support/tilt.ts, which then applies Tilt's own resource-assembly rules.
#
# Starlark is (for what a Tiltfile uses) a subset of Python, so the file runs under python3 once
# the constructs Starlark lacks are rejected first (imports, while, classes, try, f-strings, `is`,
# ...): a Tiltfile that only works as Python fails here as it would fail in Tilt.
#
# The stand-ins take exactly the parameters Tilt's builtins take (a misspelt keyword is a
# TypeError, as in Tilt), and do what Tilt does before assembly: helm() is recorded with the argv
# Tilt would run (helm template <name> <chart> --include-crds ...), blob() keeps its text,
# read_json/read_yaml/listdir/os.path read the real repository.
#
#   python3 tiltfile_harness.py <Tiltfile> <root> <subcommand> [-- <tilt args>...]
# (<root> is the directory Tilt would run in: the Tiltfile's own, or the repository for a copy.)
import ast
import json
import os as _os
import subprocess
import sys
from types import SimpleNamespace

FORBIDDEN = {
    ast.Import: 'import',
    ast.ImportFrom: 'import',
    ast.While: 'while',
    ast.ClassDef: 'class',
    ast.Try: 'try',
    ast.With: 'with',
    ast.Global: 'global',
    ast.Nonlocal: 'nonlocal',
    ast.Raise: 'raise',
    ast.Yield: 'yield',
    ast.YieldFrom: 'yield',
    ast.JoinedStr: 'f-string',
    ast.Set: 'set literal',
    ast.Assert: 'assert',
    ast.AsyncFunctionDef: 'async',
    ast.Await: 'await',
    ast.Starred: 'starred expression',
}


class TiltfileError(Exception):
    pass


def check_starlark(tree, path):
    for node in ast.walk(tree):
        for kind, word in FORBIDDEN.items():
            if isinstance(node, kind):
                raise TiltfileError('%s:%d: %s is not Starlark' % (path, node.lineno, word))
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            raise TiltfileError('%s:%d: `is` is not Starlark' % (path, node.lineno))


class Blob:
    def __init__(self, text=None, helm=None, source=''):
        self.text = text
        self.helm = helm
        self.source = source

    def __str__(self):
        if self.text is None:
            raise TiltfileError('the output of helm() is only usable as k8s_yaml input here')
        return self.text

    def to_json(self):
        return {'blob': self.text, 'helm': self.helm, 'source': self.source}


def main():
    tiltfile = _os.path.abspath(sys.argv[1])
    root = _os.path.abspath(sys.argv[2])
    subcommand = sys.argv[3]
    user_args = sys.argv[5:] if len(sys.argv) > 4 and sys.argv[4] == '--' else []
    _os.chdir(root)
    node = _os.environ.get('NODE', 'node')

    calls = []

    def record(fn, **kwargs):
        calls.append(dict({'fn': fn}, **kwargs))

    def abspath(p):
        return p if _os.path.isabs(p) else _os.path.join(root, p)

    # --- config -----------------------------------------------------------------------------
    defined = {}

    def define_string(name, args=False, usage=''):
        defined[name] = 'string'

    def parse():
        result = {}
        for arg in user_args:
            if not arg.startswith('--') or '=' not in arg:
                raise TiltfileError('unsupported tilt arg %r (use --name=value)' % arg)
            name, value = arg[2:].split('=', 1)
            if name not in defined:
                raise TiltfileError('tilt arg --%s is not defined by config.define_*' % name)
            result[name] = value
        return result

    config = SimpleNamespace(define_string=define_string, parse=parse, tilt_subcommand=subcommand)

    # --- files --------------------------------------------------------------------------------
    def read_json(path, default=None):
        with open(abspath(path)) as f:
            return json.load(f)

    def read_yaml(path, default=None):
        out = subprocess.run(
            [node, '-e', "process.stdout.write(JSON.stringify(require('yaml').parse(require('fs').readFileSync(process.argv[1], 'utf8'))))", abspath(path)],
            cwd=root, check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def listdir(directory, recursive=False):
        # Tilt returns absolute paths of files (not directories).
        base = abspath(directory)
        if not recursive:
            return sorted(_os.path.join(base, f) for f in _os.listdir(base) if _os.path.isfile(_os.path.join(base, f)))
        found = []
        for dirpath, _dirs, files in _os.walk(base):
            found.extend(_os.path.join(dirpath, f) for f in files)
        return sorted(found)

    os = SimpleNamespace(
        path=SimpleNamespace(
            exists=lambda p: _os.path.exists(abspath(p)),
            basename=_os.path.basename,
            dirname=_os.path.dirname,
            join=_os.path.join,
            abspath=abspath,
        ),
        getcwd=lambda: root,
        environ=dict(_os.environ),
    )

    def blob(contents):
        return Blob(text=contents, source='blob')

    def fail(msg):
        raise TiltfileError('fail(): %s' % msg)

    # --- Kubernetes -----------------------------------------------------------------------------
    def helm(paths, name='', namespace='', values=[], set=[], kube_version=''):
        values = [values] if isinstance(values, str) else list(values)
        set = [set] if isinstance(set, str) else list(set)
        for v in values:
            if not _os.path.exists(abspath(v)):
                raise TiltfileError('helm(): values file %s does not exist' % v)
        # internal/tiltfile/helm.go (Helm >= 3.1): template <name> <chart> --include-crds, then
        # --namespace, --kube-version, --values..., --set...; the release name defaults to "chart".
        argv = ['template', name or 'chart', abspath(paths), '--include-crds']
        if namespace:
            argv += ['--namespace', namespace]
        if kube_version:
            argv += ['--kube-version', kube_version]
        for v in values:
            argv += ['--values', abspath(v)]
        for s in set:
            argv += ['--set', s]
        return Blob(helm={'argv': argv, 'namespace': namespace}, source='helm: ' + paths)

    def k8s_yaml(yaml, allow_duplicates=False):
        items = yaml if isinstance(yaml, list) else [yaml]
        out = []
        for item in items:
            if isinstance(item, Blob):
                out.append(item.to_json())
            elif isinstance(item, str):
                with open(abspath(item)) as f:
                    out.append({'blob': f.read(), 'helm': None, 'source': item})
            else:
                raise TiltfileError('k8s_yaml(): unsupported argument %r' % (item,))
        record('k8s_yaml', yaml=out, allow_duplicates=allow_duplicates)

    def k8s_kind(kind, *rest, image_json_path=None, api_version='', image_object=None, pod_readiness=''):
        if rest:
            raise TiltfileError('k8s_kind: got %d arguments, want at most 1' % (1 + len(rest)))
        record('k8s_kind', kind=kind, api_version=api_version, pod_readiness=pod_readiness,
               image_json_path=image_json_path)

    def k8s_resource(workload='', new_name='', port_forwards=[], extra_pod_selectors=[], trigger_mode=None,
                     resource_deps=[], objects=[], auto_init=True, pod_readiness='', links=[], labels=[],
                     discovery_strategy=''):
        record('k8s_resource', workload=workload, new_name=new_name, objects=list(objects),
               resource_deps=list(resource_deps), port_forwards=port_forwards if isinstance(port_forwards, list) else [port_forwards],
               labels=labels if isinstance(labels, list) else [labels], pod_readiness=pod_readiness)

    def allow_k8s_contexts(contexts):
        record('allow_k8s_contexts', contexts=contexts if isinstance(contexts, list) else [contexts])

    def ci_settings(k8s_grace_period='', timeout='', readiness_timeout=''):
        record('ci_settings', timeout=timeout, readiness_timeout=readiness_timeout)

    # --- images and local resources -------------------------------------------------------------
    def docker_build(ref, context, build_args={}, dockerfile='Dockerfile', dockerfile_contents='', live_update=[],
                     match_in_env_vars=False, ignore=[], only=[], entrypoint=[], target='', ssh='', network='',
                     secret='', extra_tag='', container_args=None, cache_from=[], pull=False, platform='', env_vars={}):
        if not _os.path.exists(abspath(dockerfile)):
            raise TiltfileError('docker_build(%s): dockerfile %s does not exist' % (ref, dockerfile))
        record('docker_build', ref=ref, context=context, dockerfile=dockerfile, build_args=build_args,
               only=list(only), live_update=live_update)

    def fall_back_on(files):
        return {'step': 'fall_back_on', 'files': files if isinstance(files, list) else [files]}

    def sync(local_path, remote_path):
        return {'step': 'sync', 'local': local_path, 'remote': remote_path}

    def run(cmd, trigger=[], echo_off=False):
        return {'step': 'run', 'cmd': cmd, 'trigger': trigger}

    def link(url, name=''):
        return {'url': url, 'name': name}

    def local_resource(name, cmd='', deps=[], trigger_mode=None, resource_deps=[], ignore=[], auto_init=True,
                       serve_cmd='', cmd_bat='', serve_cmd_bat='', allow_parallel=False, links=[], tags=[],
                       env={}, serve_env={}, readiness_probe=None, dir='', serve_dir='', labels=[]):
        record('local_resource', name=name, cmd=cmd, serve_cmd=serve_cmd, resource_deps=list(resource_deps),
               labels=labels if isinstance(labels, list) else [labels])

    # --- extensions (tilt-extensions, loaded by `load('ext://...')`) ----------------------------
    def helm_resource(name, chart, release_name='', namespace='', image_deps=[], image_keys=[], flags=[],
                      deps=[], resource_deps=[], labels=[], auto_init=True, pod_readiness='', update_dependencies=False,
                      links=[], port_forwards=[]):
        record('helm_resource', name=name, chart=chart, namespace=namespace, flags=list(flags),
               resource_deps=list(resource_deps), labels=labels if isinstance(labels, list) else [labels])

    def helm_repo(name, url, resource_name='', labels=[]):
        record('helm_repo', name=resource_name or name, repo=name, url=url,
               labels=labels if isinstance(labels, list) else [labels])

    extensions = {
        'ext://helm_resource': {'helm_resource': helm_resource, 'helm_repo': helm_repo},
    }

    env = {
        'config': config, 'read_json': read_json, 'read_yaml': read_yaml, 'listdir': listdir, 'os': os,
        'blob': blob, 'fail': fail, 'helm': helm, 'k8s_yaml': k8s_yaml, 'k8s_kind': k8s_kind,
        'k8s_resource': k8s_resource, 'allow_k8s_contexts': allow_k8s_contexts, 'ci_settings': ci_settings,
        'docker_build': docker_build, 'fall_back_on': fall_back_on, 'sync': sync, 'run': run, 'link': link,
        'local_resource': local_resource,
    }

    def load(module, *names):
        if module not in extensions:
            raise TiltfileError('load(%r): unknown extension in the test harness' % module)
        for n in names:
            if n not in extensions[module]:
                raise TiltfileError('load(%r): %s is not exported' % (module, n))
            env[n] = extensions[module][n]

    env['load'] = load
    # Starlark has no builtins beyond these; give Python's the few Starlark also has.
    allowed = ['len', 'list', 'dict', 'str', 'int', 'bool', 'range', 'sorted', 'enumerate', 'zip', 'any', 'all',
               'min', 'max', 'reversed', 'type', 'hasattr', 'getattr', 'print', 'tuple', 'repr', 'True', 'False',
               'None']
    import builtins as _builtins
    env['__builtins__'] = {n: getattr(_builtins, n) for n in allowed}

    with open(tiltfile) as f:
        source = f.read()
    try:
        tree = ast.parse(source, tiltfile)
        check_starlark(tree, tiltfile)
        exec(compile(tree, tiltfile, 'exec'), env)
    except TiltfileError as error:
        print(json.dumps({'error': str(error), 'calls': calls}))
        return
    except Exception as error:  # a Starlark runtime error (unknown keyword, KeyError...)
        print(json.dumps({'error': '%s: %s' % (type(error).__name__, error), 'calls': calls}))
        return
    print(json.dumps({'calls': calls}))


main()
