"""The table of decisive signs (:mod:`panels.offline.decisive`): for each, the condition it
points to, what it is in words, the pattern of its words and the words in whose presence it
says nothing. A sign belongs here only when DDXPlus has no evidence for it (an examination or
test finding) and no common condition outside the 49 shares it. Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Sign:
    """A decisive sign: the condition (a knowledge-base name) it points to, what it is in
    words, its pattern, and an ``unless`` pattern of the text in whose presence it says
    nothing (a low haemoglobin in a bleeding patient is the bleed's)."""

    condition: str
    words: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


# Words up to a stop that hold no denial or doubt (a test "not detected" or "weakly
# positive" is no finding), and the
# tuberculosis bacillus by name.
_AFFIRMED = r"(?:(?!\b(?:not|no|non|un|weakly|equivocal|borderline|indeterminate)\b)[^.;\n])"
_MTB = r"(?:M\. ?tuberculosis|MTB|Mycobacterium tuberculosis|TB PCR)\b"


# A side and a paranasal sinus over the cheek or the forehead.
_SIDE = r"(?:(?:both|bilateral|left|right|L|R|the) )?"
_SINUS = (
    r"(?:(?:maxillary|frontal|maxillary and frontal) (?:sinus(?:es)?|antrum|antra)|maxillae?)\b"
)


def _sign(condition: str, words: str, pattern: str, unless: str | None = None) -> Sign:
    return Sign(condition, words, re.compile(pattern), re.compile(unless) if unless else None)


SIGNS: tuple[Sign, ...] = (
    _sign(
        "Spontaneous pneumothorax",
        "a hyperresonant chest or a visible pleural edge",
        # (a lung ultrasound's "pleural line" is the normal pleura's: only a visible or
        # visceral one is a collapsed lung's edge)
        r"(?i)\bhyper-?resonan(?:t|ce)\b|\b(?:visceral )?pleural edge\b"
        r"|\b(?:visceral|visible) pleural line\b"
        r"|\b(?:absent|no) lung markings\b|\bdeep sulcus sign\b",
        # An asthma's attack is hyperresonant too, and an emphysema both sides, where a
        # pneumothorax is one side's.
        unless=r"(?i)\basthma\w*"
        r"|\bhyper-?resonan\w*(?: \w+){0,2} (?:bilaterally|throughout|(?:on )?both sides)\b"
        r"|\b(?:bilateral(?:ly)?|both sides) hyper-?resonan",
    ),
    _sign(
        "Sarcoidosis",
        "bilateral hilar lymphadenopathy, non-caseating granulomas or a raised ACE",
        r"(?i)\bbilateral hilar (?:lymph ?adenopathy|adenopathy|lymph nodes|nodes)\b|\bBHL\b"
        r"|\bnon-?caseating granulomas?\b|\blupus pernio\b"
        r"|(?:raised|elevated|high) (?:serum )?(?-i:ACE)\b(?!-?i\b| inhibitor)"
        r"|\b(?-i:ACE)(?: level)? (?:is |was )?(?:raised|elevated|high)\b",
        # A lymphoma's, a cancer's, a smear-positive tuberculosis's or a dust's hilar nodes.
        unless=r"(?i)\b(?:lymphoma|metasta\w*|\w*carcinoma|silicosis|pneumoconiosis"
        r"|berylli\w*)\b|\b(?:AFB|acid[- ]fast)\b(?![^.;,\n]{0,20}\b(?:negative|neg|not|no)\b)",
    ),
    _sign(
        "Inguinal hernia",
        "a reducible groin swelling with a cough impulse",
        r"(?i)\bcough impulse\b|\breducible\b",
        unless=r"(?i)\b(?:umbilic\w*|incisional|femoral|paraumbilical|epigastric hernia"
        r"|dislocat\w*|fractur\w*|prolaps\w*|intussuscept\w*|varicocele|varix)\b",
    ),
    _sign(
        "Acute otitis media",
        "a bulging eardrum",
        r"(?i)\bbulging (?:\w+ ){0,2}(?:tympanic membranes?|TMs?|ear ?drums?|drums?)\b"
        rf"|\b(?:tympanic membranes?|TMs?|ear ?drums?)\b{_AFFIRMED}{{0,30}}?\bbulging\b",
    ),
    _sign(
        "Pericarditis",
        "a pericardial rub or PR depression",
        # A friction rub over a lung's base or side is a pleural rub (a pneumonia's, an
        # embolism's); a pericardial rub is heard at the sternal border.
        r"(?i)\bpericardial (?:friction )?rub\b|(?<!pleural )\bfriction rub\b"
        r"(?![^.;\n]{0,40}\b(?:bases?|basal|lung|lower chest|lateral chest|axilla\w*"
        r"|mid-?axillary|zones?|hemithorax)\b)"
        r"|\bPR[- ](?:segment )?depression\b|\bsaddle[- ]shaped ST\b",
    ),
    _sign(
        "Acute pulmonary edema",
        "Kerley B lines, a bat-wing shadow or upper lobe diversion",
        r"(?i)\bkerley\b|\bbat[- ]?wing\b(?! rash)|\bupper lobe (?:blood )?diversion\b",
        # A lymphangitis carcinomatosa's or an interstitial lung disease's septal lines.
        unless=r"(?i)\blymphangitis\b|\bcarcinomatos\w*|\binterstitial lung disease\b"
        r"|(?-i:\bILD\b)",
    ),
    _sign(
        "Atrial fibrillation",
        "an irregularly irregular rhythm",
        r"(?i)\birregularly irregular\b",
        # A multifocal atrial tachycardia or a sinus rhythm's ectopics are irregular too.
        unless=r"(?i)\bmultifocal atrial"
        r"|\bsinus (?:rhythm|arrhythmia)\b[^.;\n]{0,30}\b(?:ectopics|extrasystoles|premature)",
    ),
    _sign(
        "PSVT",
        "a regular narrow-complex tachycardia or one ended by adenosine",
        r"(?i)\bregular,? narrow[- ]complex\b|\bnarrow[- ]complex,? regular\b"
        rf"|\badenosine\b{_AFFIRMED}{{0,40}}"
        r"\b(?:terminat|revert|convert|restor|stopp)\w*",
        # An atrial flutter's 2:1 block and a sinus tachycardia are regular and narrow too.
        unless=r"(?i)\b(?:(?:atrial )?flutter|sinus tachycardia)\b",
    ),
    _sign(
        "SLE",
        "anti-dsDNA or anti-Smith antibodies",
        r"(?i)\banti-?ds-?DNA\b|\banti-?Sm(?:ith)?\b",
    ),
    _sign(
        "Myasthenia gravis",
        "acetylcholine receptor antibodies or a positive ice-pack or edrophonium test",
        r"(?i)\b(?:acetylcholine|ACh) receptor\b|\bAChR\b|\bice[- ]pack test\b"
        r"|\bedrophonium\b|\btensilon\b"
        r"|\b(?:repetitive (?:nerve )?stimulation|RNS|CMAP)\b[^.;\n]{0,40}\bdecrement\w*"
        r"|\bdecrement\w* (?:response|on (?:repetitive|RNS)|of (?:the )?CMAP)\b",
    ),
    _sign(
        "Boerhaave",
        "air in the mediastinum",
        r"(?i)\bpneumomediastinum\b|\bmediastinal (?:air|emphysema)\b|\bhamman'?s?\b",
        # An asthma's attack, a cocaine's or a cannabis's inhalation, a trauma or a ventilator
        # can tear an alveolus into the mediastinum.
        unless=r"(?i)\b(?:asthma\w*|cocaine|cannabis|trauma\w*"
        r"|intubat\w*|ventilat\w*)",
    ),
    _sign(
        "Pulmonary embolism",
        "S1Q3T3, McConnell's sign or a filling defect on CT pulmonary angiography",
        r"(?i)\bS1 ?Q3 ?T3\b|\bMcConnell'?s?\b"
        # (a CT asked "to look for filling defects" has not found them)
        rf"|\b(?:CTPA|CT pulmonary angiogra\w*|pulmonary arter\w*)\b"
        rf"(?:(?!\b(?:look|looking|requested|exclude)\b){_AFFIRMED}){{0,50}}"
        r"\bfilling defects?\b|\bfilling defects?\b[^.;\n]{0,30}\bpulmonary arter",
    ),
    _sign(
        "Bronchiectasis",
        "dilated bronchi or tram-track lines",
        r"(?i)\btram[- ]?(?:track|line)s?\b|\bsignet[- ]ring\b(?! cell)|\bdilated bronchi\b"
        r"|\bbronchial (?:wall )?dilatation\b",
        # A glomerulonephritis's basement membrane and a Sturge-Weber's calcification are
        # tram-tracks too.
        unless=r"(?i)\b(?:glomerul\w*|MPGN|basement membrane|calcification|port[- ]wine"
        r"|sturge\w*)\b",
    ),
    _sign(
        "Tuberculosis",
        "caseating granulomas, acid-fast bacilli or a positive interferon-gamma or Mantoux test",
        r"(?i)(?<!non-)\bcaseating granulom\w*|\bacid[- ]fast\b|\bAFB\b"
        rf"|\b(?:quantiferon|IGRA|mantoux)\b{_AFFIRMED}{{0,12}}\bpositive\b"
        r"(?![^.;\n]{0,30}\bBCG\b)",  # a BCG makes a Mantoux positive
        # A Nocardia is (weakly) acid-fast too.
        unless=r"(?i)\bnocardia\w*|\bmodified acid",
    ),
    _sign(
        "Tuberculosis",
        "a cavitating lesion",
        r"(?i)\bcavitat\w*|\bcavitary\b",
        # A cavity with an air-fluid level is an abscess's.
        unless=r"(?i)\bair[- ]fluid level\b|\babscess\w*|\b\w*carcinoma\b|\bsquamous\b"
        r"|\bmalignan\w*|\bneoplas\w*|\bmetasta\w*"
        # A Klebsiella's or a Staphylococcus's pneumonia, septic emboli, a vasculitis.
        r"|\bklebsiella\b|\bstaph\w*|\baureus\b|\bMRSA\b|\bemboli\b|\bvegetations?\b"
        r"|\bGPA\b|\bpolyangiitis\b|\bwegener\w*|\bANCA\b",
    ),
    _sign(
        "Epiglottitis",
        "a thumb sign or a swollen cherry-red epiglottis",
        r"(?i)\bthumb(?:print)?[- ]sign\b|\b(?:swollen|cherry[- ]red|oedematous) epiglottis\b",
        # An anaphylaxis's or an angioedema's swelling reaches the epiglottis too; a colon's
        # thumbprinting is an ischaemic colitis's.
        unless=r"(?i)\b(?:anaphyla\w*|angio-?o?edema|urticaria\w*"
        r"|(?:swollen|swelling of the) (?:lips|tongue))|\b(?:colitis|colon\w*|bowel|AXR"
        r"|abdominal)\b",
    ),
    _sign("Croup", "a steeple sign or a Westley score", r"(?i)\bsteeple sign\b|\bWestley\b"),
    _sign(
        "Pneumonia",
        "consolidation on the chest X-ray or bronchial breathing",
        r"(?i)\bconsolidation\b|\bbronchial breathing\b|\blobe (?:dense )?opacit\w*"
        r"|\b(?:dense|lobar) opacit\w*",
        unless=r"(?i)\bcavit\w*|\bacid[- ]fast\b|\bAFB\b|\bmass\b|\bspiculated\b"
        r"|\b\w*carcinoma\b|\btumou?r\b|\bendobronchial\b|\bobstructing\b",
    ),
    _sign(
        "Guillain-Barré syndrome",
        "a raised CSF protein with a normal cell count",
        r"(?i)\balbumino-?cytologic\b|\bCSF\b[^.;\n]{0,30}\bprotein\b[^.;\n]{0,20}"
        r"\b(?:raised|elevated|high)\b(?:[^.;\n]|\.\d){0,40}\b(?:normal|no) (?:white )?cell",
    ),
    _sign(
        "Guillain-Barré syndrome",
        "lost tendon reflexes",
        r"(?i)\bareflexi\w*"
        r"|\b(?:absent|lost) (?:\w+ ){0,3}(?:knee|patellar|biceps|deep tendon|tendon)"
        r"(?: and \w+)? (?:reflexes|jerks)\b|\b(?:reflexes|jerks) (?:are )?(?:absent|lost)\b",
        # A diabetic's or a B12-deficient neuropathy, a cord's shock lose reflexes too.
        unless=r"(?i)\b(?:diabet\w*|peripheral neuropathy|B12|spinal shock|cord"
        r"|glove and stocking)\b",
    ),
    _sign(
        "Chagas",
        "right bundle branch block with left anterior fascicular block, an apical aneurysm or a "
        "megacolon",
        r"(?i)\b(?:RBBB|right bundle branch block)\b[^.;\n]{0,20}"
        r"\b(?:LAFB|left anterior fascicular)"
        r"|\bapical aneurysm\b|\bmega-?colon\b|\bmega-?o?esophagus\b",
        # A colitis's toxic megacolon, Hirschsprung's, an infarct's aneurysm, an ischaemic
        # heart disease's conduction block.
        unless=r"(?i)\b(?:colitis|toxic|hirschsprung\w*|C\.? ?diff\w*|infarct\w*|STEMI"
        r"|isch(?:a)?emic heart disease|IHD)\b"
        r"|\bMI\b",
    ),
    _sign(
        "Myocarditis",
        "late gadolinium enhancement on cardiac MRI",
        r"(?i)\b(?:subepicardial|sub-epicardial|mid-?wall|patchy|non-?ischa?emic)\b[^.;\n]{0,30}"
        r"\b(?:late gadolinium enhancement|LGE)\b",
        # A hypertrophic cardiomyopathy's, a sarcoid's or an amyloid's scar.
        unless=r"(?i)\b(?:hypertroph\w*|HCM|sarcoid\w*|amyloid\w*)\b",
    ),
    _sign(
        "Pulmonary neoplasm",
        "a spiculated or hilar lung mass or a Pancoast tumour",
        r"(?i)\bspiculated\b|\b(?:lung|hilar|pulmonary) mass\b|\bpancoast\b",
        unless=r"(?i)\bbreast\b|\bmammogra\w*|\blymphoma\b",
    ),
    _sign(
        "Pancreatic neoplasm",
        "a mass in the pancreas, a raised CA 19-9 or a double duct sign",
        r"(?i)\bpancreatic (?:head )?mass\b|\bmass in the (?:head of the )?pancreas\b"
        rf"|\bCourvoisier\b|\bCA ?19-?9\b{_AFFIRMED}{{0,20}}\b(?:raised|elevated|high|\d{{3,}})"
        r"|\bdouble[- ]duct\b",
        # A cholangitis's or a stone's obstruction raises CA 19-9 too; a pancreatitis makes
        # an inflammatory mass.
        unless=r"(?i)\bcholangitis\b|\bcholedocholithiasis\b|\bgallstones?\b"
        r"|\b(?:pseudocyst|pancreatitis)\b",
    ),
    _sign(
        "GERD",
        "reflux oesophagitis at endoscopy",
        r"(?i)\b(?:reflux|erosive) o?esophagitis\b|\bLA grade [A-D]\b",
    ),
    _sign(
        "Anaphylaxis",
        "a raised mast-cell tryptase",
        rf"(?i)\btryptase\b{_AFFIRMED}{{0,20}}\b(?:raised|elevated|high)",
        unless=r"(?i)\bmastocytosis\b|\bmast cell (?:disease|disorder)\b",
    ),
    _sign(
        "Influenza",
        "a positive influenza test",
        rf"(?i)\b(?:influenza|flu)(?: [AB])? (?:PCR|swab|antigen|test)\b{_AFFIRMED}{{0,12}}"
        r"\b(?:positive|detected)\b|\bpositive (?:for )?(?:flu|influenza)\b(?!-like)",
    ),
    _sign(
        "Ebola",
        "a positive Ebola test",
        rf"(?i)\bEbola\b[^.;\n]{{0,20}}\b(?:PCR|RT-PCR|test|antigen)\b{_AFFIRMED}{{0,12}}"
        r"\b(?:positive|detected)\b",
    ),
    _sign(
        "HIV (initial infection)",
        "a positive p24 antigen",
        rf"(?i)\bp24\b{_AFFIRMED}{{0,20}}\bpositive\b",
    ),
    _sign(
        "Whooping cough",
        "a positive pertussis test",
        r"(?i)\b(?:pertussis|bordetella)\b[^.;\n]{0,20}\b(?:PCR|culture|serology)\b"
        rf"{_AFFIRMED}{{0,25}}"
        r"\b(?:positive|detected)\b",
    ),
    _sign(
        "Bronchiolitis",
        "a positive RSV test",
        rf"(?i)\bRSV\b{_AFFIRMED}{{0,15}}\b(?:positive|detected)\b|\bpositive for RSV\b",
    ),
    _sign(
        "Allergic sinusitis",
        "a positive skin-prick test to an aeroallergen",
        rf"(?i)\bskin[- ]prick\b{_AFFIRMED}{{0,25}}\bpositive\b[^.;\n]{{0,25}}"
        r"\b(?:pollens?|grass\w*|tree|birch|dust|mites?|cats?|dogs?|mou?lds?|animal)\b",
    ),
    # Airway infections
    _sign(
        "Tuberculosis",
        "M. tuberculosis found by a molecular test or culture, or a positive interferon-gamma "
        "release assay",
        rf"(?i)\binterferon[- ]gamma release assays?\b{_AFFIRMED}{{0,12}}\bpositive\b"
        r"|\bpositive (?:quantiferon|IGRA|interferon[- ]gamma release assay)\b"
        rf"|\b{_MTB}{_AFFIRMED}{{0,12}}\b(?:detected|isolated|grown|cultured|positive)\b"
        rf"|\b(?:NAAT|PCR|GeneXpert|Xpert|culture|sputum|BAL)\b{_AFFIRMED}{{0,25}}"
        rf"\b(?:detect(?:s|ed)|grew|isolated|positive for|showed|shows|confirm(?:s|ed))"
        rf"{_AFFIRMED}{{0,10}}\b{_MTB}",
    ),
    _sign(
        "Acute COPD exacerbation / infection",
        "flattened diaphragms, a barrel chest or a fixed airflow obstruction on spirometry",
        r"(?i)\b(?:flat(?:tened)?|low[- ]lying) (?:hemi-?)?diaphragms?\b|\bbarrel[- ]chest\w*"
        r"|\b(?:fixed|irreversible|persistent) airflow (?:obstruction|limitation)\b"
        r"|\bpost-?bronchodilator FEV1/FVC\b(?: ratio)?(?: of| was| is|:)? ?(?:0?\.[0-6]\d?)\b",
        # An asthma's attack also hyperinflates and obstructs, cystic fibrosis's lungs too; a
        # consolidation is a pneumonia's, even in a COPD.
        unless=r"(?i)\basthma\w*|\bcystic fibrosis\b|(?-i:\bCF\b)|\breactive airways?\b"
        r"|\bconsolidat\w*",
    ),
    _sign(
        "Acute rhinosinusitis",
        "tenderness over a maxillary or frontal sinus",
        rf"(?i)\b(?:tender(?:ness)?|pain) (?:to (?:palpation|percussion) )?(?:over|of|on)"
        rf" (?:the )?(?:{_SIDE}){_SINUS}"
        rf"|\b(?:{_SIDE}){_SINUS} (?:is |are |were |was )?(?:tender|tenderness)\b"
        r"|\btender (?:(?:left|right|L|R) )?(?:maxillary|frontal) (?:sinus\w*|area|region)\b"
        r"|\btender (?:(?:left|right|L|R) )?maxillae?\b",
        # A chronic sinusitis (its months, its polyps), a broken cheekbone, a cellulitis, a
        # dental abscess or caries, a migraine or a shingles are tender there too (an upper
        # tooth's ache is a maxillary sinusitis's own).
        unless=r"(?i)\b(?:months|years|chronic\w*|polyps?|fractur\w*|trauma|assault\w*"
        r"|cellulitis|abscess\w*|dental|caries|carious|migraine\w*|zoster|shingles)\b",
    ),
    # More signs
    _sign(
        "Pericarditis",
        "a scratching sound a clinician heard with a stethoscope (a rub in lay words)",
        r"(?i)\b(?:stethoscope|(?:doctor|GP|nurse|paramedic|medic|registrar)s?\b[^.;\n]{0,20}"
        r"\b(?:heard|listened))\b(?:(?!\b(?:no|not|without)\b)[^.;\n]){0,40}"
        r"\b(?:scratch\w*|scraping|grating) (?:noise|sound)s?\b"
        r"|\b(?:scratch\w*|scraping|grating) (?:noise|sound)s?\b[^.;\n]{0,30}\bstethoscope\b",
        # A pleural rub is the lungs' (a pneumonia's or an embolism's); a creak over a joint,
        # a belly or a broken rib is theirs, a bruit a carotid's, a click a valve's or a wire's
        # (not the shoulder or the neck, where a pericarditis's pain goes).
        unless=r"(?i)\bpleur\w*|\blungs?\b|\bpneumonia\b|\bchest infection\b|\bknees?\b"
        r"|\bjoints?\b|\bbelly\b|\babdom\w*|\btummy\b|\bperitoni\w*|\bribs?\b|\bfractur\w*"
        r"|\bhips?\b|\bcarotid\b|\bbruit\b|\bwires?\b|\bvalves?\b"
        r"|\bprosthe\w*|\bcrepitus\b",
    ),
    _sign(
        "Chagas",
        "Romaña's sign, a painless swelling of one eye's lids",
        r"(?i)\bRoma[nñ]a\b|\b(?:unilateral|one-sided)\b[^.;\n]{0,30}"
        r"\b(?:periorbital|palpebral|eyelids?|eye ?lids?)\b[^.;\n]{0,12}\b(?:o?edema|swelling)"
        r"|\bpainless (?:\w+ ){0,2}(?:swelling|o?edema) of (?:the|his|her|one) (?:right |left )?"
        r"(?:eyelids?|eye ?lids?)\b",
        # A periorbital cellulitis is tender and red; the knowledge base's Chagas needs its
        # travel besides (``knowledge.REQUIRED``).
        # A sting's, an allergy's, an injury's, a stye's or a chalazion's, a thyroid eye's, an
        # abscess's or a shingles's swollen lids are theirs.
        unless=r"(?i)\bcellulitis\b|\b(?:tender|painful|red and hot|hot and red)\b"
        r"|\b(?:sting|stung|itch\w*|dermatitis|allerg\w*|eye ?drops|punch\w*|black eye|trauma\w*"
        r"|injur\w*|blow|chalazi\w*|styes?|hordeol\w*|lump|thyroid|Graves|proptos\w*|bulging"
        r"|abscess|dental|shingles|zoster|surgery|endophthalm\w*|mass|tumou?r\w*|nephrotic"
        r"|frothy urine|proteinuria|sinusitis|nasal|discharge|sticky|cavernous|thrombos\w*"
        r"|filler|cosmetic|botox|Bell'?s|palsy)\b",
    ),
    _sign(
        "Acute pulmonary edema",
        "pink frothy sputum",
        r"(?i)\b(?:pink,? (?:and )?frothy|frothy,? (?:and )?pink)\b[^.;\n]{0,12}"
        r"\b(?:sputum|secretions|spit|phlegm|fluid)\b",
        # A non-cardiogenic oedema's froth: a drowning's, an opioid's or a salicylate's, an
        # altitude's, a smoke's.
        unless=r"(?i)\b(?:drown\w*|underwater|submer\w*|heroin|opioids?|opiates?|overdose"
        r"|salicylates?|altitude|HAPE|smoke|inhal\w*|subarachnoid|SAH|neurogenic"
        r"|strangulat\w*|hanging|cancer|carcinoma|tumou?r|scuba|diving|dive|immersion)\b",
    ),
    _sign(
        "Pulmonary embolism",
        "an acutely strained right ventricle on echo: dilated, with a flattened septum",
        r"(?i)\b(?:dilated|enlarged|distended) (?:right ventricle|RV)\b[^.;\n]{0,40}"
        r"\b(?:septal (?:flattening|bowing)|flattened (?:interventricular )?septum|D-shaped)"
        r"|\bRV (?:dilatation|dilation|strain)\b[^.;\n]{0,40}"
        r"\b(?:septal (?:flattening|bowing)|flattened (?:interventricular )?septum|D-shaped)",
        # A chronically loaded right heart (a pulmonary hypertension's, a COPD's) or an
        # infarcted one (an inferior STEMI's) strains the same way.
        unless=r"(?i)\bpulmonary (?:arterial )?hypertension\b|\bcor pulmonale\b|\bCOPD\b"
        r"|\bemphysema\b|\binferior\b|\bSTEMI\b|\bST elevation\b|\bsleep apnoea\b"
        # A right heart long loaded (a chronic clot's, a fibrosis's), or diseased in itself (a
        # septal defect's, a tricuspid valve's, a cardiomyopathy's).
        r"|\bchronic thromboembolic\b|\bCTEPH\b|\binterstitial\b|\bfibrosis\b|\bILD\b"
        r"|\bhome oxygen\b|\bfor years\b|\bseptal defect\b|\bASD\b|\btricuspid\b"
        r"|\bcardiomyopathy\b|\bARVC\b|\barrhythmogenic\b|\bvolume (?:load|overload)\b"
        # A tamponade, a pulmonary stenosis, a ventilated lung, a sickle chest, a fat's or an
        # amniotic fluid's embolism, a scleroderma's or a left heart's pulmonary pressure.
        r"|\bpericardial effusion\b|\btamponade\b|\bpulmonary (?:valve )?stenosis\b"
        r"|\bventilat\w*|\bARDS\b|\bacute chest\b|\bsickle\b|\bfat embol\w*|\bamniotic\b"
        r"|\bsystemic sclerosis\b|\bscleroderma\b|\bmitral\b|\bleft heart failure\b"
        r"|\bVSD\b|\brepair\w*|\bpneumonectomy\b|\blobectomy\b",
    ),
)
