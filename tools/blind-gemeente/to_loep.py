#!/usr/bin/env python3
"""Turns the blind generator's output into what loep takes: one delivery per partner (the
contract has one partner per delivery) and the ground truth in the form of `loep evaluate`
(`truth/adressen.csv`: thema, vbo_id, scenario_id, decoy, variant, sterkte).

    python3 tools/blind-gemeente/to_loep.py DIR

reads DIR/levering and DIR/truth (as generate.py writes them) and writes DIR/loep/<partner>/
and DIR/loep/truth/adressen.csv. The generator itself stays blind: this adapter is loep's.
"""
import csv
import os
import shutil
import sys

# Which partner delivers each table (the data contract, "Tables").
PARTNER = {
    "bag_verblijfsobject": "gemeente",
    "cbs_buurt": "gemeente",
    "brp_persoon": "gemeente",
    "brp_verblijf_historie": "gemeente",
    "gem_bijstand": "gemeente",
    "melding": "gemeente",
    "bd_inkomen": "belastingdienst",
    "bd_toeslag": "belastingdienst",
    "svb_uitkering": "svb",
    "uwv_uitkering": "uwv",
    "uwv_dienstverband": "uwv",
    "kad_eigendom": "kadaster",
    "kvk_vestiging": "kvk",
    "wc_huurcontract": "woningcorporatie",
    "nuts_verbruik": "netbeheerder",
    "pol_registratie": "politie",
    "pol_betrokkene": "politie",
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: to_loep.py DIR")
    root = sys.argv[1]
    src = os.path.join(root, "levering")
    out = os.path.join(root, "loep")
    shutil.rmtree(out, ignore_errors=True)
    peildatum = None
    toml = os.path.join(src, "levering.toml")
    if os.path.exists(toml):
        for line in open(toml, encoding="utf-8"):
            if line.startswith("peildatum"):
                peildatum = line.split("=", 1)[1].strip().strip('"')
    for name in sorted(os.listdir(src)):
        table, ext = os.path.splitext(name)
        if ext not in (".csv", ".parquet"):
            continue
        partner = PARTNER.get(table)
        if partner is None:
            sys.exit(f"{name}: not a table of the contract")
        d = os.path.join(out, partner)
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(src, name), os.path.join(d, name))
        with open(os.path.join(d, "levering.toml"), "w", encoding="utf-8") as f:
            f.write(f'partner = "{partner}"\n')
            if peildatum:
                f.write(f'peildatum = "{peildatum}"\n')
    truth = os.path.join(out, "truth")
    os.makedirs(truth)
    with open(os.path.join(truth, "adressen.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["thema", "vbo_id", "scenario_id", "decoy", "variant", "sterkte"])
        for fname, decoy, col in (("planted.csv", "nee", "variant"), ("lookalikes.csv", "ja", "lookalike")):
            for i, r in enumerate(csv.DictReader(open(os.path.join(root, "truth", fname), encoding="utf-8"))):
                w.writerow([r["thema"], r["vbo_id"], f"B{decoy}{i}", decoy, r[col], ""])


if __name__ == "__main__":
    main()
