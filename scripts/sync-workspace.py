#!/usr/bin/env python3
# Regenerates each workspace package.json "dependencies" and tsconfig "references" from its imports,
# with versions taken from the root package.json, and the root tsconfig.build.json. Run after adding imports.
import json, os, re, glob
root=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rootpkg=json.load(open(f'{root}/package.json'))
versions=dict(rootpkg.get('dependencies',{}))
versions.update(rootpkg.get('devDependencies',{}))
projects={}
for kind in ('libs','services'):
    for d in sorted(os.listdir(f'{root}/{kind}')):
        projects[f'{kind}/{d}']=json.load(open(f'{root}/{kind}/{d}/package.json'))['name']
byname={v:k for k,v in projects.items()}
for path,name in projects.items():
    ext=set(); internal=set()
    for f in glob.glob(f'{root}/{path}/src/**/*.ts', recursive=True):
        if f.endswith('.spec.ts'): continue
        for m in re.finditer(r"from '([^'.][^']*)'|import '([^'.][^']*)'|(?:require|import)\('([^'.][^']*)'\)", open(f).read()):
            mod=m.group(1) or m.group(2) or m.group(3)
            if mod.startswith('node:'): continue
            parts=mod.split('/')
            pkg='/'.join(parts[:2]) if mod.startswith('@') else parts[0]
            if pkg in byname:
                if pkg!=name: internal.add(pkg)
            else: ext.add(pkg)
    pj=json.load(open(f'{root}/{path}/package.json'))
    deps={}
    for p in sorted(internal): deps[p]='0.1.0'
    for p in sorted(ext):
        if p=='fastify': p2='fastify'
        if p not in versions: print('MISSING version', path, p); continue
        deps[p]=versions[p]
    pj['dependencies']=deps
    open(f'{root}/{path}/package.json','w').write(json.dumps(pj,indent=2)+'\n')
    tsname='tsconfig.lib.json' if path.startswith('libs') else 'tsconfig.app.json'
    ts=json.load(open(f'{root}/{path}/{tsname}'))
    ts['references']=[{'path': os.path.relpath(f'{root}/{byname[p]}', f'{root}/{path}')+'/tsconfig.lib.json'} for p in sorted(internal)]
    open(f'{root}/{path}/{tsname}','w').write(json.dumps(ts,indent=2)+'\n')
    print(path, sorted(internal), sorted(ext))
refs=[{'path': f'./{p}/'+('tsconfig.lib.json' if p.startswith('libs') else 'tsconfig.app.json')} for p in projects]
open(f'{root}/tsconfig.build.json','w').write(json.dumps({'files':[], 'references':refs},indent=2)+'\n')
# Keep the generated JSON in the repo's Prettier style.
import subprocess
subprocess.run(['npx', 'prettier', '--log-level', 'warn', '--write', 'tsconfig.build.json', 'libs/*/package.json', 'libs/*/tsconfig.lib.json', 'services/*/package.json', 'services/*/tsconfig.app.json'], cwd=root, check=False)
