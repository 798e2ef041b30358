/**
 * Concept lexicon for the tier-1 features: words of one harmful (or attack) concept share one extra
 * feature, so weight learned from "launder" also reaches "embezzle". Hand-written from general
 * knowledge (not from any dataset). Changing it changes the features: retrain, and the artifact's
 * `features.lexicon` hash must match {@link LEXICON_VERSION} or the model refuses to load.
 */

/** Concept → words (lowercase, single tokens, inflections listed explicitly). */
export const CONCEPTS: Readonly<Record<string, readonly string[]>> = {
  violence:
    'kill kills killed killing murder murders murdered murdering assassinate assassination stab stabbing strangle strangling behead torture tortured torturing kidnap kidnapping kidnapped abduct abduction maim massacre slaughter lynch lynching shooting shoot beat beating hurt harm harming injure wound execute dismember bludgeon choke suffocate drown'.split(
      ' ',
    ),
  weapons:
    'bomb bombs bombing explosive explosives grenade grenades detonator detonate ied molotov napalm thermite gun guns firearm firearms rifle rifles pistol ammunition ammo silencer suppressor weapon weapons weaponize weaponized shrapnel landmine missile'.split(
      ' ',
    ),
  cbrn: 'sarin vx tabun soman novichok anthrax ricin botulinum toxin toxins nerve pathogen pathogens bioweapon bioweapons chemical radiological uranium plutonium smallpox plague nuclear dirty agent agents virus viruses mustard chlorine phosgene cyanide'.split(
    ' ',
  ),
  drugs:
    'meth methamphetamine cocaine crack heroin fentanyl lsd mdma ecstasy opioid opioids narcotic narcotics drug drugs cannabis ketamine ghb roofie rohypnol synthesize synthesizing synthesis precursor precursors'.split(
      ' ',
    ),
  cyber:
    'hack hacks hacked hacking hacker hackers malware ransomware trojan keylogger botnet ddos exploit exploits exploiting phishing spyware rootkit backdoor worm payload payloads shellcode bruteforce brute crack cracking credentials credential password passwords vulnerability vulnerabilities infiltrate breach bypass'.split(
      ' ',
    ),
  fraud:
    'fraud fraudulent scam scams scammer launder laundering embezzle embezzling embezzlement counterfeit counterfeiting forge forged forgery fake fakes ponzi pyramid steal stealing stole stolen theft shoplift shoplifting evade evading evasion bribe bribery blackmail extort extortion smuggle smuggling trafficking traffic cheat cheating plagiarize impersonate impersonating insider'.split(
      ' ',
    ),
  hate: 'racist racism sexist sexism inferior slur slurs nazi nazis supremacy supremacist genocide hate hateful discriminate discrimination bigot bigoted xenophobic homophobic antisemitic dehumanize ethnic'.split(
    ' ',
  ),
  sexual:
    'porn pornography pornographic explicit sexual sexually rape raped raping molest molesting grooming underage minors minor nude nudes naked incest prostitution escort'.split(
      ' ',
    ),
  selfharm:
    'suicide suicidal overdose selfharm cutting anorexia anorexic bulimia starve starving hang hanging lethal dose die dying'.split(
      ' ',
    ),
  deception:
    'misinformation disinformation propaganda manipulate manipulating manipulation defame defamatory defamation conspiracy hoax fake rumor rumors lie lies lying deceive deceptive mislead misleading'.split(
      ' ',
    ),
  evasion:
    'untraceable undetectable undetected caught illegal illegally unlawful secretly anonymously anonymous darkweb tor covert stealthily without consent'.split(
      ' ',
    ),
  privacy:
    'dox doxx doxxing stalk stalking stalker track tracking spy spying surveil surveillance address ssn location whereabouts private personal'.split(
      ' ',
    ),
  override:
    'ignore ignoring disregard forget override overriding bypass previous prior above earlier instructions instruction directives directive rules guidelines prompt prompts system confidential secret reveal repeat print'.split(
      ' ',
    ),
  persona:
    'roleplay role character persona pretend pretending act simulate simulation hypothetical hypothetically fictional fiction story unrestricted unfiltered uncensored jailbreak jailbroken dan mode developer opposite evil amoral unethical immoral'.split(
      ' ',
    ),
};

/** Stable content hash of the lexicon (FNV-1a over the concept names and words). */
export const LEXICON_VERSION: string = lexiconHash(CONCEPTS);

function lexiconHash(concepts: Readonly<Record<string, readonly string[]>>): string {
  let h = 0x811c9dc5;
  const text = Object.keys(concepts)
    .map((k) => `${k}:${(concepts[k] ?? []).join(',')}`)
    .join(';');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
