# Real-program test: git init, add, commit, log, diff in /tmp.
set -eu
command -v git >/dev/null || { echo "no git"; exit 0; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
export HOME=$d GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@e GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' \
	GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
git init -q -b main r
cd r
seq 1 100 > a
mkdir sub && echo hello > sub/b
git add .
git commit -q -m first
seq 1 2 100 > a
git commit -q -am second
git log --format='%H %s'
git diff --stat HEAD~1
git show HEAD~1:sub/b
git gc -q
git fsck --no-progress 2>&1
git branch x HEAD~1 && git checkout -q x && wc -l < a
git status --short
git count-objects -v | grep -v size
