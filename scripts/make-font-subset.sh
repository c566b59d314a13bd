#!/usr/bin/env bash
# Remake the embedded CJK font subsets in assets/fonts/ (see assets/fonts/README.md).
#
#   scripts/make-font-subset.sh            # writes assets/fonts/NotoSansCJKsc-{Regular,Bold}-subset.ttf
#   scripts/make-font-subset.sh OUT_DIR    # writes them somewhere else (e.g. to compare)
#
# Source: Debian package fonts-noto-cjk 1:20220127+repack1-1 (Noto Sans CJK 2.004, SIL OFL 1.1),
# face "Noto Sans CJK SC" = font number 2 inside NotoSansCJK-{Regular,Bold}.ttc.
# Tool:   fontTools 4.68.0 from PyPI (its pyftsubset, driven from Python for one pre-step).
#
# The output is byte-identical on every run with the same inputs and fontTools version:
# the subsetter keeps the source head.created/head.modified (no timestamp recalculation), and
# SOURCE_DATE_EPOCH is pinned in case anything else asks for "now". The script checks the
# SHA-256 of the source TTCs and warns (but continues) when they differ from the ones the
# committed subsets were made from.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/assets/fonts}"
SRC_DIR=/usr/share/fonts/opentype/noto
FONTTOOLS_VERSION=4.68.0
FACE=2   # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK, 5-9 Mono

# SHA-256 of the TTCs in fonts-noto-cjk 1:20220127+repack1-1.
declare -A SHA=(
  [Regular]=b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a
  [Bold]=faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb
)

if [[ ! -f "$SRC_DIR/NotoSansCJK-Regular.ttc" || ! -f "$SRC_DIR/NotoSansCJK-Bold.ttc" ]]; then
  echo "installing fonts-noto-cjk ..." >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends fonts-noto-cjk
fi

if ! python3 -c 'import fontTools.subset' >/dev/null 2>&1; then
  echo "installing fonttools==$FONTTOOLS_VERSION ..." >&2
  python3 -m pip install "fonttools==$FONTTOOLS_VERSION" \
    || python3 -m pip install --user "fonttools==$FONTTOOLS_VERSION"
fi
HAVE_FT="$(python3 -c 'import fontTools; print(fontTools.version)')"
if [[ "$HAVE_FT" != "$FONTTOOLS_VERSION" ]]; then
  echo "warning: fontTools $HAVE_FT, the committed subsets were made with $FONTTOOLS_VERSION;" \
       "the output may differ byte-wise (pip install fonttools==$FONTTOOLS_VERSION)" >&2
fi

# Code points kept (everything else in the face is dropped, together with glyphs only they use).
UNICODES=(
  U+0020-007E   # ASCII
  U+00A0-00FF   # Latin-1 Supplement (¥ U+00A5, ×, ÷, ±, ·, §, °)
  U+0100-017F   # Latin Extended-A (pinyin ā ē ī ō ū ...)
  U+01CD-01DC   # pinyin third tone and ü: ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
  U+0391-03C9   # Greek (α β μ Ω in units and notes)
  U+2000-206F   # General Punctuation (— – … ‰ ※ ‘ ’ “ ”)
  U+20A0-20CF   # Currency Symbols (€)
  U+2100-214F   # Letterlike Symbols (℃ № ℡)
  U+2150-218F   # Number Forms (Ⅰ Ⅱ Ⅲ ...)
  U+2190-21FF   # Arrows
  U+2200-22FF   # Mathematical Operators (≤ ≥ ≠ ∑)
  U+2460-24FF   # Enclosed Alphanumerics (① ... ⑳, ⑴, ⒈)
  U+2500-257F   # Box Drawing
  U+2580-259F   # Block Elements
  U+25A0-25FF   # Geometric Shapes (□ ■ ○ ● ◎ △ ▲ ◇ ◆)
  U+2600-26FF   # Miscellaneous Symbols (★ ☆)
  U+2700-27BF   # Dingbats (✓; the face has no ✗ U+2717)
  U+3000-303F   # CJK Symbols and Punctuation (、。〈〉《》「」【】〔〕)
  U+3200-32FF   # Enclosed CJK Letters and Months (㈠ ㈱ ㊣)
  U+3300-33FF   # CJK Compatibility (㎡ ㎏ ㎝)
  U+4E00-9FFF   # CJK Unified Ideographs
  U+FF00-FFEF   # Halfwidth and Fullwidth Forms (，：；（）￥ U+FFE5)
)
UNI_ARG="$(IFS=,; echo "${UNICODES[*]}")"

mkdir -p "$OUT"
export SOURCE_DATE_EPOCH=1643241600   # 2022-01-27, the upstream release; only used if asked for "now"
export PYTHONHASHSEED=0
export LC_ALL=C

for W in Regular Bold; do
  SRC="$SRC_DIR/NotoSansCJK-$W.ttc"
  GOT="$(sha256sum "$SRC" | cut -d' ' -f1)"
  if [[ "$GOT" != "${SHA[$W]}" ]]; then
    echo "warning: $SRC has SHA-256 $GOT, expected ${SHA[$W]}; the output will differ" >&2
  fi
  DST="$OUT/NotoSansCJKsc-$W-subset.ttf"
  # Equivalent to
  #   pyftsubset SRC --font-number=2 --unicodes=... --layout-features='*' --no-hinting
  #     --notdef-outline --name-IDs='*' --name-languages='*' --name-legacy
  #     --no-recalc-timestamp --no-harfbuzz-repacker
  # plus one pre-step pyftsubset has no flag for: the SC face's `locl` features for the
  # JAN/KOR/ZHT/ZHH language systems (Japanese, Korean, Traditional Chinese glyph forms of
  # ~17,700 ideographs) are detached, so their alternate glyphs drop out of the subset
  # (40,649 -> ~22,650 glyphs, ~9.3 MB -> ~6 MB). Every feature of the ZHS (Simplified
  # Chinese) and default language systems is kept unchanged.
  # Then the outlines are converted from CFF (cubic) to TrueType `glyf` (quadratic, within
  # 1 font unit of 1000 per em: far below a printer dot): a PDF embeds a subset of the font
  # for the characters it uses, and subsetting `glyf` costs a fraction of subsetting CFF
  # (measured: a billing notice renders 17% faster), for files about 40% larger.
  python3 - "$SRC" "$FACE" "$UNI_ARG" "$DST" <<'PY'
import sys
from fontTools import subset

src, face, unicodes, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
opts = subset.Options()
opts.font_number = face
opts.layout_features = ["*"]
opts.hinting = False
opts.notdef_outline = True
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.name_legacy = True
opts.recalc_timestamp = False
opts.harfbuzz_repacker = False

font = subset.load_font(src, opts)
gsub = font["GSUB"].table
features = gsub.FeatureList.FeatureRecord
for script in gsub.ScriptList.ScriptRecord:
    zhs = [r.LangSys for r in script.Script.LangSysRecord if r.LangSysTag == "ZHS "]
    keep = set(zhs[0].FeatureIndex) if zhs else set()
    for rec in script.Script.LangSysRecord:
        if rec.LangSysTag in ("JAN ", "KOR ", "ZHT ", "ZHH "):
            ls = rec.LangSys
            ls.FeatureIndex = [i for i in ls.FeatureIndex
                               if features[i].FeatureTag != "locl" or i in keep]
            ls.FeatureCount = len(ls.FeatureIndex)

sub = subset.Subsetter(opts)
sub.populate(unicodes=subset.parse_unicodes(unicodes))
sub.subset(font)

# CFF -> glyf (after fontTools' Snippets/otf2ttf.py).
from fontTools.ttLib import newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

order = font.getGlyphOrder()
glyph_set = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder = order
glyf.glyphs = {}
for name in order:
    pen = TTGlyphPen(glyph_set)
    glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf[name] = pen.glyph()
for name in order:
    glyf[name].recalcBounds(glyf)
font["loca"] = newTable("loca")
font["glyf"] = glyf
del font["CFF "]
if "VORG" in font:  # vertical origins are CFF-only; TrueType takes them from vmtx
    del font["VORG"]
maxp = newTable("maxp")
maxp.tableVersion = 0x00010000
for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
              "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
              "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
              "maxCompositeContours", "maxComponentDepth"):
    setattr(maxp, field, 0)
maxp.maxZones = 1
font["maxp"] = maxp
maxp.recalc(font)  # point and contour maxima, and head's font bounding box
# No glyph names (a CID-keyed font's are only cid00001 ...): post format 3.
font["post"].formatType = 3.0
font["post"].extraNames = []
font["post"].mapping = {}
font.sfntVersion = "\x00\x01\x00\x00"
subset.save_font(font, dst, opts)
PY
  echo "$DST: $(stat -c %s "$DST") bytes, sha256 $(sha256sum "$DST" | cut -d' ' -f1)"
done
