#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mail.sh: write out/mail/ from the series, ready for git send-email.
#
# The repository's patches carry a neutral author and no Signed-off-by; the
# mail is the sender's. Their git identity (user.name, user.email) becomes
# the author and a Signed-off-by (DCO) is added to every patch. The cover
# letter's text comes from series/$BASE/0000-cover-letter.patch. Recipients:
# To kvm@vger.kernel.org, Cc whatever the base tree's get_maintainer.pl
# names for the files each patch touches (file patterns only: the imported
# tree has no history). Then git send-email --dry-run lists the recipients
# of every mail, sending nothing.
#
# MAIL_IDENTITY="Name <email>" overrides the git identity ('make check'
# uses a throwaway one for the dry run).

set -eu
. "$(dirname "$0")/lib.sh"
load_base

dest=$out/mail
cover=$top/series/$base_name/0000-cover-letter.patch
to=kvm@vger.kernel.org

if [ -n "${MAIL_IDENTITY:-}" ]; then
	name=${MAIL_IDENTITY% <*}
	email=${MAIL_IDENTITY##*<}
	email=${email%>}
else
	name=$(git config user.name || true)
	email=$(git config user.email || true)
fi
[ -n "$name" ] && [ -n "$email" ] ||
	die "set your identity first: git config --global user.name 'Your Name'; git config --global user.email you@example.org"
[ -f "$cover" ] || die "no cover letter $cover"
git -C "$src" rev-parse -q --verify refs/knr/patched >/dev/null || die "no refs/knr/patched: run scripts/series.sh apply"

tmp=$(mktemp -d)
trap 'git -C "$src" worktree remove --force "$tmp/wt" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
git -C "$src" worktree add -q --detach "$tmp/wt" refs/knr/patched
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
git -C "$tmp/wt" rebase -q --exec "git commit -q --amend --no-edit --reset-author --signoff" base >/dev/null 2>&1 ||
	die "cannot add the Signed-off-by lines"

# The cover letter: its Subject (without "[PATCH ...]") and body. A "vN" in
# its prefix is the series' version; the base adds its tree ("6.12.y").
subject=$(sed -n 's/^Subject: \(\[[^]]*\] \)\{0,1\}//p' "$cover" | head -1)
version=$(sed -n 's/^Subject: \[[^]]* v\([0-9][0-9]*\) [^]]*\].*/\1/p' "$cover" | head -1)
awk 'f { print } /^$/ && !f { f = 1 }' "$cover" | sed '/^-- $/,$d' > "$tmp/body"
git -C "$tmp/wt" branch -q -f knr-mail HEAD
git -C "$tmp/wt" checkout -q knr-mail
{ echo "$subject"; echo; cat "$tmp/body"; } > "$tmp/desc"
git -C "$tmp/wt" config branch.knr-mail.description "$(cat "$tmp/desc")"

rm -rf "$dest.tmp"
git -C "$tmp/wt" -c core.abbrev=12 format-patch -q --cover-letter --cover-from-description=subject \
	--subject-prefix="${MAIL_PREFIX:-PATCH}" ${version:+-v"$version"} --base=base --to="$to" --no-signature \
	-o "$dest.tmp" base..knr-mail
git -C "$src" branch -q -D knr-mail 2>/dev/null || true

# Cc: per patch from get_maintainer.pl; the cover letter gets them all.
all=$(mktemp)
for p in "$dest.tmp"/*.patch; do
	case "$p" in *0000-cover-letter.patch) continue ;; esac
	(cd "$src" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --norolestats \
		--no-rolestats --no-multiline "$p" 2>/dev/null) | tr ',' '\n' | sed 's/^ *//' |
		grep -v -x -F "$to" | grep . > "$tmp/cc" || true
	cat "$tmp/cc" >> "$all"
	awk -v ccf="$tmp/cc" '!done && /^To: / { print; while ((getline l < ccf) > 0) print "Cc: " l; done = 1; next } { print }' \
		"$p" > "$p.new" && mv "$p.new" "$p"
done
sort -u "$all" > "$tmp/cc"
rm -f "$all"
c=$(echo "$dest.tmp"/*0000-cover-letter.patch)
awk -v ccf="$tmp/cc" '!done && /^To: / { print; while ((getline l < ccf) > 0) print "Cc: " l; done = 1; next } { print }' \
	"$c" > "$c.new" && mv "$c.new" "$c"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "mail: $(ls "$dest" | wc -l) files in $dest, from $name <$email>"

# Validate: every recipient is listed, nothing is sent.
git send-email --dry-run --confirm=never --from="$name <$email>" \
	--suppress-cc=self --smtp-server=/bin/false "$dest"/*.patch > "$out/send-email-dry-run.txt" 2>&1 ||
	die "git send-email --dry-run failed: see $out/send-email-dry-run.txt"
n=$(grep -c '^Result: OK' "$out/send-email-dry-run.txt" || true)
echo "send-email --dry-run: $n mails, recipients in $out/send-email-dry-run.txt"
