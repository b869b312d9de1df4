#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/<target>/ from the importer's
# test fixtures (importer/testdata) and a few hand-written inputs. The seeds
# are committed; run this only after changing the fixtures or the input
# formats of the targets (see the comment at the top of each fuzz/*.cc).
# Needs protoc and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
testdata=importer/testdata
corpus=fuzz/corpus
rm -rf "$corpus"
mkdir -p "$corpus"/{csv_reader,jsonl_reader,sirene_mapper,rna_mapper,mapped_csv,actor_validation,protojson,page_token,keys,geography}

# csv_reader: one options byte (see csv_reader_fuzzer.cc), then a file.
seed() {  # seed TARGET NAME OPTIONS_BYTE_OCTAL FILE
  { printf "\\$3"; cat "$4"; } > "$corpus/$1/$2"
}
seed csv_reader lab 000 $testdata/lab_directory.csv
seed csv_reader lab_short_records 020 $testdata/lab_directory.csv
seed csv_reader sirene 000 $testdata/sirene_etablissements.csv
seed csv_reader legal_units 001 $testdata/sirene_unites_legales.csv
seed csv_reader rna_latin1 000 $testdata/rna_waldec_latin1.csv
seed csv_reader rna_forced_1252 012 $testdata/rna_waldec_latin1.csv
printf '\000a,b,c\r\n"x ""y""",2,"multi\nline"\r\n;;;\n1,2\n' \
  > "$corpus/csv_reader/quotes_crlf"

cp $testdata/actors.jsonl $testdata/actors.jsonl.gz "$corpus/jsonl_reader/"

# protojson: one JSON line each, as export writes it (proto names) and in
# lowerCamel, with escapes, enum numbers, timestamps and protobuf-only forms.
n=0
while IFS= read -r line; do
  [ -n "$line" ] && printf '%s' "$line" > "$corpus/protojson/line_$((n += 1))"
done < $testdata/actors.jsonl
cat > "$corpus/protojson/export" <<'JSON'
{"id":"siret:44306184100021","kind":"ACTOR_KIND_COMPANY","subtype":"ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY","name":"R\u00e9gie \"Val\" \u003cb\u003e","legal_ids":{"siren":"443061841","siret":"44306184100021"},"naf_code":"88.99B","size_band":"SIZE_BAND_SMALL","home_commune":"94018","location":{"latitude":48.7936543,"longitude":-0.5},"action_territories":[{"level":"TERRITORY_LEVEL_DEPARTEMENT","code":"94"}],"themes":["employment_insertion"],"needs":[{"resource":"funding"}],"offers":[{"resource":"skills","theme":"digital_inclusion","description":"Ateliers\n\u2028"}],"accepted_categories":[1,99],"capacity":0,"status":"ACTOR_STATUS_ACTIVE","source":"sirene","create_time":"2026-11-26T10:00:00.123Z","update_time":"1970-01-01T00:00:00Z","etag":"9f86"}
JSON
printf '%s' "{'id':'a',\"capacity\":\"5\",\"location\":{\"latitude\":\"NaN\"},}" > "$corpus/protojson/lenient"

cp $testdata/sirene_etablissements.csv $testdata/sirene_etablissements.csv.gz \
  $testdata/sirene_unites_legales.csv "$corpus/sirene_mapper/"

cp $testdata/rna_waldec_latin1.csv "$corpus/rna_mapper/"

# mapped_csv: a mapping, "--", a file (see mapped_csv_fuzzer.cc).
cp $testdata/lab_directory.csv "$corpus/mapped_csv/default_mapping.csv"
{
  printf 'Identifiant=key\nnom de la structure=name\nTYPE=kind\n'
  printf 'Code INSEE=home_commune\ncode_postal=postal_code\n'
  printf 'Commune=commune_name\nThematiques=themes\nOffres=offers\n'
  printf 'Besoins=needs\n--\n'
  cat $testdata/lab_directory.csv
} > "$corpus/mapped_csv/partial_mapping.csv"
{
  fields=(id key name kind subtype home_commune postal_code commune_name
    themes needs offers legal_ids.siret legal_ids.siren legal_ids.rna
    naf_code association_purpose_codes size_band website description
    capacity location.latitude location.longitude lambert93.x lambert93.y
    contacts.name contacts.role contacts.email contacts.phone)
  for f in "${fields[@]}"; do printf 'c_%s=%s\n' "$f" "$f"; done
  printf -- '--\n'
  (IFS=';'; printf 'c_%s;' "${fields[@]}" | sed 's/;$//'; echo)
  printf ';K1;Atelier;entreprise;cooperative;94018;94220;Charenton;'
  printf 'digital_inclusion;funding;skills:digital_inclusion;12345678900011;'
  printf '123456789;W941000001;62.02A;011075|024000;12;atelier.fr;Ateliers;'
  printf '3;48,8;2,4;652469.3;6862035.2;Claire;Présidente;c@a.fr;0102030405\n'
  printf 'ext:lab:2;;Club;association;;;94340;ST MAUR DES FOSSES;sport;;;;;;;;'
  printf 'small;;;2,5;91;-181;1e308;;;;;\n'
} > "$corpus/mapped_csv/every_field.csv"

# actor_validation: one options byte (bit 0 JSON, bit 1 id required), then
# the actor.
n=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  n=$((n + 1))
  { printf '\003'; printf '%s' "$line"; } > "$corpus/actor_validation/json_$n"
done < $testdata/actors.jsonl
encode() {  # encode NAME OPTIONS_BYTE_OCTAL TEXTPROTO
  { printf "\\$2"; printf '%s' "$3" |
      protoc --encode=maillage.v1.Actor -I proto proto/maillage/v1/actor.proto
  } > "$corpus/actor_validation/$1"
}
encode binary_company 002 'id: "siret:12345678900011" kind: ACTOR_KIND_COMPANY
  name: "  Atelier du Val  " home_commune: "94018" naf_code: "6202a"
  themes: "digital_inclusion" themes: "digital_inclusion"
  offers { resource: "skills" theme: "digital_inclusion" }
  legal_ids { siren: "123456789" } capacity: 3 website: "atelier.fr"'
encode binary_association 000 'kind: ACTOR_KIND_ASSOCIATION
  subtype: ACTOR_SUBTYPE_FEDERATION name: "Amis du Parc" home_commune: "94068"
  association_purpose_codes: "011075" location { latitude: 48.8 longitude: 2.4 }
  action_territories { level: TERRITORY_LEVEL_DEPARTEMENT code: "94" }
  needs { resource: "funding" } accepted_categories: PARTNERSHIP_CATEGORY_MECENAT
  contacts { name: "Claire" email: "c@amis.fr" }'

# page_token: the token, then the filters fingerprint (the last 8 bytes,
# little-endian, as FuzzedDataProvider reads them).
python3 - "$corpus/page_token" <<'PY'
import base64, struct, sys
out = sys.argv[1]
for name, fp, position in [("actor", 0x1234abcd5678ef90, b"siret:12345678900011"),
                           ("event", 7, b"\x00\x00\x00\x00\x00\x00\x01\x00"),
                           ("empty_position", 0, b"")]:
    token = base64.urlsafe_b64encode(b"%x:" % fp + position).rstrip(b"=")
    open(f"{out}/{name}", "wb").write(token + struct.pack("<Q", fp))
PY

# keys: keys as stored (see storage/keys.h).
printf '\00494\000fact-0001' > "$corpus/keys/fact_by_territory"
printf 'siret:12345678900011\000sug-42' > "$corpus/keys/by_actor"
printf '\000\000\000\000\000\000\001\377' > "$corpus/keys/event"
printf 'CreateActor\000req-1' > "$corpus/keys/request"

# geography: INSEE code '\', postal code '\', commune name (the separator
# of FuzzedDataProvider's strings is a backslash and the byte after it).
geo() { printf '%s\\;%s\\;%s' "$2" "$3" "$4" > "$corpus/geography/$1"; }
geo current 94018 94220 Charenton-le-Pont
geo former 01003 '' ''
geo arrondissement 75112 '' 'PARIS 12'
geo corsica 2A004 20000 AJACCIO
geo ambiguous_postal '' 94340 'ST MAUR DES FOSSES'
geo unknown_insee 99999 94340 'Joinville le Pont'
geo name_search '' '' 'Saint-Maur'

# jwt: a mode byte (see jwt_fuzzer.cc), then a token, its three parts
# separated by NUL bytes, or a JWKS / claim rules document.
mkdir -p "$corpus/jwt"
python3 - "$corpus/jwt" <<'PY'
import base64, sys
d = sys.argv[1] + "/"
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=")
def seed(name, data): open(d + name, "wb").write(data)
payload = (b'{"iss":"https://idp.example","aud":["maillage","account"],'
           b'"sub":"f3c1","email":"a@b.fr","email_verified":true,'
           b'"iat":1780000000,"nbf":1780000000,"exp":4102444800,'
           b'"groups":["g"]}')
header = b'{"alg":"RS256","typ":"JWT","kid":"fuzz-rsa"}'
seed("rs256_token", b"\x00" + b64(header) + b"." + b64(payload) + b"." +
     b64(bytes(range(256))))
seed("es256_parts", b'\x01{"alg":"ES256","kid":"fuzz-ec"}\x00' + payload +
     b"\x00" + bytes(range(64)))
seed("none_parts", b'\x01{"alg":"none"}\x00' + payload + b"\x00")
seed("hs256_parts", b'\x01{"alg":"HS256","kid":"fuzz-rsa"}\x00' + payload +
     b"\x00" + bytes(range(32)))
seed("jwks_doc", b'\x02{"keys":[{"kty":"EC","crv":"P-256","use":"sig",'
     b'"alg":"ES256","kid":"k","x":"' + b64(bytes(32)) + b'","y":"' +
     b64(bytes(32)) + b'"},{"kty":"RSA","kid":"r","n":"' +
     b64(b"\xc1" * 256) + b'","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0"}]}')
seed("rules_doc", b'\x02{"rules":[{"name":"a","when":{"email_domain":"b.fr",'
     b'"claims":{"groups":"g"}},"grant":{"role":"partner","territories":'
     b'["region:75"],"workspace":"w","partner":"p"}},{"when":{},"grant":'
     b'{"role":"reader","all_territories":true}}]}')
PY
