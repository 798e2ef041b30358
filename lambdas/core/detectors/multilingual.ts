/**
 * A word-for-word English gloss of French, Spanish, German, Portuguese and Italian text, so the
 * English-trained tiers can read requests in those languages ("comment fabriquer une bombe" → "how
 * make a bomb"). No translation model: a hand-written lexicon of request framing (how, write, give,
 * step by step, without getting caught …) and of the harm concepts of the tier-1 concept lexicon
 * (weapons, drugs, fraud, cyber, violence, sexual abuse, self-harm, privacy, hate), written from general
 * vocabulary, plus the function words that make the gloss readable. Unknown words pass through
 * unchanged (many harm terms are shared: fentanyl, phishing, ddos, malware).
 *
 * Linear in the text: one tokenizing pass, greedy longest match over at most four words through hash
 * lookups. The gloss exists only when the text reads as one of the five languages (more of that
 * language's function words than English ones), so English traffic is never glossed.
 */
import { codeUnits } from '../normalize/text';
import type { NormalizedSegment } from '../types';

export type GlossLanguage = 'fr' | 'es' | 'de' | 'pt' | 'it';

/** Function words used to recognise each language (accents stripped, lowercase). */
const STOPWORDS: Readonly<Record<GlossLanguage | 'en', string>> = {
  en: 'the a an to of and or is are was were how what why can could should would i you my your for in on at by from with this that it be do does did me not no as if will have has all any so but',
  fr: 'le la les un une des du et est que qui pour dans sur avec pas je tu vous il elle mon ma mes comment quel quelle quels pourquoi au aux ce cette mais puis peux',
  es: 'el los las un una unos del y es que para por con en como cual mi mis tu yo se lo al puedo puedes como hay mas pero',
  de: 'der die das ein eine einen und ist wie ich du nicht mit fur von zu den dem des mein meine meinen kann wer warum auf im sich',
  pt: 'o os um uma da dos das e que para com em como qual meu minha voce eu nao na posso pode ao sobre',
  it: 'il lo gli le un una di del della e che per con come quale mio mia io non nel nella posso puoi sono al alla',
};

/**
 * `source=english` pairs, `|`-separated; sources are lowercase without accents, one to four words.
 * An empty English side drops the word (pure grammar).
 */
const LEXICON: Readonly<Record<GlossLanguage, string>> = {
  fr: `comment=how|comment faire=how to|pourquoi=why|quel=what|quelle=what|quels=what|quelles=what|qui=who|est-ce que=|je=i|j=i|moi=me|me=me|m=me|mon=my|ma=my|mes=my|tu=you|vous=you|te=you|t=you|ton=your|ta=your|tes=your|votre=your|le=the|la=the|les=the|l=the|un=a|une=a|des=some|du=some|de=of|d=of|et=and|ou=or|pour=to|dans=in|sur=on|avec=with|sans=without|chez moi=at home|a la maison=at home|maison=home|etape par etape=step by step|etape=step|tutoriel=tutorial|ecris=write|ecrire=write|ecrivez=write|redige=write|rediger=write|donne=give|donne-moi=give me|donner=give|donnez=give|explique=explain|expliquer=explain|expliquez=explain|dis-moi=tell me|dites-moi=tell me|liste=list|cite=list|fournis=provide|fournir=provide|concois=design|concevoir=design|cree=create|creer=create|aide-moi=help me|aider=help|peux-tu=can you|pouvez-vous=can you|puis-je=can i|fabriquer=make|fabrication=making|faire=make|fais=make|produire=produce|construire=build|utiliser=use|utilise=use|vendre=sell|acheter=buy|distribuer=distribute|cacher=hide|dissimuler=conceal|eviter=avoid|contourner=bypass|se faire prendre=get caught|prendre=caught|voler=steal|vol=theft|braquer=rob|cambrioler=burgle|tuer=kill|meurtre=murder|assassiner=murder|blesser=hurt|frapper=beat|tabasser=beat up|battre=beat|torturer=torture|enlever=kidnap|kidnapper=kidnap|detruire=destroy|exploser=explode|faire exploser=blow up|bombe=bomb|explosif=explosive|arme=weapon|fusil=rifle|pistolet=gun|poison=poison|empoisonner=poison|gaz=gas|toxique=toxic|drogue=drug|stupefiants=narcotics|illegal=illegal|illegale=illegal|illegaux=illegal|illegales=illegal|illegalement=illegally|illicite=illegal|arnaque=scam|escroquerie=scam|fraude=fraud|frauder=defraud|frauder le fisc=evade taxes|impots=taxes|fisc=taxes|blanchir=launder|argent=money|faux=fake|contrefacon=counterfeit|pirater=hack|piratage=hacking|hameconnage=phishing|logiciel malveillant=malware|rancongiciel=ransomware|faille=vulnerability|vulnerabilite=vulnerability|exploiter=exploit|mot de passe=password|attaque=attack|terroriste=terrorist|attentat=attack|recruter=recruit|enfant=child|pedopornographie=child pornography|pornographie=pornography|sexuel=sexual|sexuelle=sexual|agression=assault|viol=rape|abus=abuse|se suicider=commit suicide|automutilation=self-harm|donnees personnelles=personal data|donnees=data|consentement=consent|localisation=location|position=location|suivre=track|espionner=spy|traquer=stalk|harceler=harass|menacer=threaten|chantage=blackmail|haine=hate|inferieur=inferior|handicapees=disabled|handicape=disabled|glorifier=glorify|glorifie=glorify|propagande=propaganda|mensonge=lie|manipuler=manipulate|tromper=deceive|voisin=neighbour|patron=boss|conjoint=spouse|vie=life|voiture=car|banque=bank|loi=law|personne=person|gens=people|autres=others|meilleure=best|facon=way|moyen=way|methode=method|supprimer=delete|declencher=trigger|convaincre=convince|cible=target|maison close=brothel|trafic=trafficking|tirer=shoot|fusillade=shooting|raciste=racist|chez=at|sans se faire prendre=without getting caught|faire du mal=hurt|se procurer=get|obtenir=get|trouver=find|trouve-moi=find me|mort=death|mourir=die|plus=most|simple=simple|facile=easy`,
  es: `como=how|cómo=how|por que=why|que=what|cual=which|quien=who|yo=i|me=me|mi=my|mis=my|tu=you|usted=you|te=you|el=the|la=the|los=the|las=the|lo=it|un=a|una=a|unos=some|de=of|del=of the|y=and|o=or|para=to|en=in|con=with|sin=without|en casa=at home|casa=home|paso a paso=step by step|paso=step|tutorial=tutorial|guia=guide|instrucciones=instructions|escribe=write|escribir=write|redacta=write|dame=give me|dar=give|da=give|explica=explain|explicar=explain|dime=tell me|enumera=list|proporciona=provide|diseña=design|disena=design|crea=create|crear=create|ayudame=help me|ayudarme=help me|ayudar=help|puedes=can you|puedo=can i|fabricar=make|hacer=make|haz=make|producir=produce|construir=build|usar=use|utilizar=use|vender=sell|comprar=buy|distribuir=distribute|ocultar=hide|esconder=hide|evitar=avoid|saltarme=bypass|eludir=evade|evadir=evade|evadir impuestos=evade taxes|que te atrapen=getting caught|atrapen=caught|robar=steal|robo=theft|atracar=rob|matar=kill|asesinar=murder|asesinato=murder|herir=hurt|golpear=beat|dar una paliza=beat up|paliza=beating|torturar=torture|secuestrar=kidnap|destruir=destroy|destrozar=destroy|explotar=explode|hacer explotar=blow up|bomba=bomb|explosivo=explosive|arma=weapon|pistola=gun|veneno=poison|envenenar=poison|gas=gas|toxico=toxic|droga=drug|drogas=drugs|ilegal=illegal|ilegales=illegal|ilegalmente=illegally|estafa=scam|fraude=fraud|impuestos=taxes|ingresos=income|blanquear=launder|dinero=money|falso=fake|falsificar=counterfeit|hackear=hack|pirata=hacker|phishing=phishing|malware=malware|vulnerabilidad=vulnerability|exploit=exploit|aprovechar=exploit|contraseña=password|contrasena=password|ataque=attack|ataques=attacks|terrorista=terrorist|atentado=attack|reclutar=recruit|niño=child|nino=child|pornografia infantil=child pornography|pornografia=pornography|sexual=sexual|agresion=assault|violacion=rape|abuso=abuse|suicidio=suicide|autolesiones=self-harm|datos personales=personal data|datos=data|consentimiento=consent|ubicacion=location|rastrear=track|espiar=spy|acosar=harass|amenazar=threaten|chantaje=blackmail|odio=hate|inferior=inferior|discapacidad=disability|glorifique=glorify|glorificar=glorify|propaganda=propaganda|mentira=lie|manipular=manipulate|engañar=deceive|enganar=deceive|vecino=neighbour|jefe=boss|pareja=spouse|vida=life|coche=car|carro=car|banco=bank|policia=police|ley=law|leyes=laws|persona=person|gente=people|otras=other|mejor=best|forma=way|manera=way|metodo=method|borrar=delete|provocarle=trigger|provocar=trigger|convencer=convince|objetivo=target|objetivos=targets|burdel=brothel|trafico=trafficking|disparar=shoot|racista=racist|encuentrame=find me|encontrar=find|conseguir=get|muerte=death|morir=die|mas=most|sencillo=simple|facil=easy|hay=are there|es=is|son=are|puede=can`,
  de: `wie=how|warum=why|was=what|welche=which|welcher=which|wer=who|ich=i|mich=me|mir=me|mein=my|meine=my|meinen=my|meines=my|du=you|dir=you|dich=you|dein=your|der=the|die=the|das=the|den=the|dem=the|des=of the|ein=a|eine=a|einen=a|einem=a|und=and|oder=or|zu=to|in=in|im=in the|auf=on|mit=with|ohne=without|fur=for|von=of|zu hause=at home|zuhause=at home|schritt fur schritt=step by step|schritt=step|anleitung=guide|tutorial=tutorial|schreibe=write|schreib=write|schreiben=write|gib=give|gib mir=give me|geben=give|erklare=explain|erklaren=explain|sag mir=tell me|nenne=list|liste=list|entwirf=design|entwerfen=design|erstelle=create|erstellen=create|hilf mir=help me|helfen=help|kannst du=can you|kann ich=can i|herstellen=make|herstellung=manufacture|machen=make|mache=make|produzieren=produce|bauen=build|benutzen=use|nutzen=use|nutzt=use|verwenden=use|verkaufen=sell|verkauft=sells|kaufen=buy|vertrieb=distribution|vertreiben=distribute|verstecken=hide|verbergen=conceal|vermeiden=avoid|umgehen=bypass|erwischt=caught|ohne erwischt zu werden=without getting caught|stehlen=steal|stiehlt=steals|diebstahl=theft|uberfall=robbery|banküberfall=bank robbery|bankuberfall=bank robbery|toten=kill|mord=murder|ermorden=murder|verletzen=hurt|schlagen=beat|verprugeln=beat up|foltern=torture|entfuhren=kidnap|zerstoren=destroy|kaputt machen=destroy|kaputt=broken|sprengen=blow up|in die luft sprengen=blow up|bombe=bomb|sprengstoff=explosive|waffe=weapon|waffen=weapons|gewehr=rifle|pistole=gun|gift=poison|vergiften=poison|gas=gas|giftig=toxic|droge=drug|drogen=drugs|rauschgift=narcotics|illegal=illegal|illegale=illegal|illegalen=illegal|illegales=illegal|unrechtmaßig=unlawfully|unrechtmassig=unlawfully|betrug=fraud|betrugen=defraud|abzocke=scam|steuern hinterziehen=evade taxes|hinterziehen=evade|steuern=taxes|einkommen=income|waschen=launder|geldwasche=money laundering|geld=money|falsch=fake|falschen=counterfeit|hacken=hack|hacker=hacker|phishing=phishing|schadsoftware=malware|schwachstelle=vulnerability|sicherheitslucke=vulnerability|ausnutzen=exploit|passwort=password|angriff=attack|angriffe=attacks|anschlag=attack|anschlage=attacks|terrorist=terrorist|terroristen=terrorists|anwerben=recruit|rekrutieren=recruit|kind=child|kinder=children|kinderpornografie=child pornography|kinderpornographie=child pornography|pornografie=pornography|sexuell=sexual|sexueller=sexual|ubergriff=assault|ubergriffe=assaults|vergewaltigung=rape|missbrauch=abuse|selbstmord=suicide|suizid=suicide|selbstverletzung=self-harm|personenbezogene daten=personal data|daten=data|einwilligung=consent|standort=location|verfolgen=track|ausspionieren=spy|stalken=stalk|belastigen=harass|drohen=threaten|erpressung=blackmail|hass=hate|minderwertig=inferior|behinderte=disabled|verherrlicht=glorifies|verherrlichen=glorify|propaganda=propaganda|luge=lie|manipulieren=manipulate|tauschen=deceive|nachbar=neighbour|nachbarn=neighbour|chef=boss|ehepartner=spouse|leben=life|auto=car|bank=bank|polizei=police|gesetz=law|gesetze=laws|person=person|menschen=people|leute=people|andere=others|anderen=others|beste=best|besten=best|am besten=best|weg=way|wege=ways|methode=method|loschen=delete|auslosen=trigger|uberzeugen=convince|ziel=target|ziele=targets|bordell=brothel|handel=trafficking|schießen=shoot|schiessen=shoot|rassistisch=racist|finde=find|finden=find|bekommen=get|tod=death|sterben=die|einfachste=simplest|einfach=easy|ist=is|sind=are|kann=can|man=one|gibt es=are there|sich=oneself`,
  pt: `como=how|por que=why|porque=why|o que=what|qual=which|quais=which|quem=who|eu=i|me=me|mim=me|meu=my|minha=my|meus=my|minhas=my|voce=you|te=you|seu=your|sua=your|o=the|a=the|os=the|as=the|um=a|uma=a|uns=some|de=of|do=of the|da=of the|dos=of the|das=of the|e=and|ou=or|para=to|em=in|no=in the|na=in the|com=with|sem=without|em casa=at home|casa=home|passo a passo=step by step|passo=step|tutorial=tutorial|guia=guide|instrucoes=instructions|escreva=write|escrever=write|de-me=give me|dê-me=give me|me de=give me|dar=give|explique=explain|explicar=explain|diga-me=tell me|me diga=tell me|liste=list|forneca=provide|fornecer=provide|crie=create|criar=create|me ajude=help me|ajudar=help|voce pode=can you|posso=can i|fabricar=make|fazer=make|faca=make|produzir=produce|construir=build|usar=use|utilizar=use|vender=sell|comprar=buy|distribuir=distribute|esconder=hide|ocultar=conceal|evitar=avoid|contornar=bypass|ser pego=get caught|sem ser pego=without getting caught|pego=caught|roubar=steal|roubo=theft|assaltar=rob|matar=kill|assassinar=murder|assassinato=murder|machucar=hurt|bater=beat|espancar=beat up|torturar=torture|sequestrar=kidnap|destruir=destroy|explodir=blow up|bomba=bomb|explosivo=explosive|arma=weapon|pistola=gun|veneno=poison|envenenar=poison|gas=gas|toxico=toxic|droga=drug|drogas=drugs|ilegal=illegal|ilegais=illegal|ilegalmente=illegally|golpe=scam|fraude=fraud|sonegar=evade|sonegar impostos=evade taxes|impostos=taxes|renda=income|lavar dinheiro=launder money|dinheiro=money|falso=fake|falsificar=counterfeit|hackear=hack|phishing=phishing|malware=malware|vulnerabilidade=vulnerability|explorar=exploit|brechas=loopholes|senha=password|ataque=attack|ataques=attacks|terrorista=terrorist|terroristas=terrorists|recrutar=recruit|crianca=child|criancas=children|pornografia infantil=child pornography|pornografia=pornography|sexual=sexual|agressao=assault|estupro=rape|abuso=abuse|suicidio=suicide|automutilacao=self-harm|dados pessoais=personal data|dados=data|consentimento=consent|localizacao=location|rastrear=track|espionar=spy|perseguir=stalk|assediar=harass|ameacar=threaten|chantagem=blackmail|odio=hate|inferior=inferior|deficiencia=disability|glorificando=glorifying|glorificar=glorify|propaganda=propaganda|mentira=lie|manipular=manipulate|enganar=deceive|vizinho=neighbour|chefe=boss|conjuge=spouse|vida=life|carro=car|banco=bank|policia=police|lei=law|leis=laws|pessoa=person|pessoas=people|outras=other|melhor=best|maneira=way|forma=way|metodo=method|apagar=delete|desencadeiem=trigger|desencadear=trigger|convencer=convince|alvo=target|alvos=targets|bordel=brothel|trafico=trafficking|atirar=shoot|racista=racist|encontre=find|encontrar=find|conseguir=get|morte=death|morrer=die|mais=most|simples=simple|facil=easy|existe=is there|e=is|sao=are|pode=can`,
  it: `come=how|perche=why|che cosa=what|cosa=what|quale=which|quali=which|chi=who|io=i|mi=me|me=me|mio=my|mia=my|miei=my|mie=my|tu=you|ti=you|tuo=your|tua=your|il=the|lo=the|la=the|i=the|gli=the|le=the|l=the|un=a|una=a|uno=a|di=of|del=of the|della=of the|dei=of the|delle=of the|dell=of the|e=and|o=or|per=to|in=in|nel=in the|nella=in the|con=with|senza=without|in casa=at home|a casa=at home|casa=home|passo passo=step by step|passo=step|tutorial=tutorial|guida=guide|istruzioni=instructions|scrivi=write|scrivere=write|dammi=give me|dare=give|spiega=explain|spiegare=explain|dimmi=tell me|elenca=list|fornisci=provide|fornire=provide|progetta=design|crea=create|creare=create|aiutami=help me|aiutare=help|puoi=can you|posso=can i|fabbricare=make|produrre=produce|fare=make|fai=make|costruire=build|usare=use|utilizzare=use|sfruttare=exploit|vendere=sell|comprare=buy|distribuire=distribute|nascondere=hide|occultare=conceal|evitare=avoid|aggirare=bypass|farsi scoprire=get caught|senza farsi scoprire=without getting caught|scoprire=caught|rubare=steal|furto=theft|rapinare=rob|rapina=robbery|uccidere=kill|omicidio=murder|assassinare=murder|ferire=hurt|picchiare=beat up|torturare=torture|rapire=kidnap|distruggere=destroy|far saltare in aria=blow up|saltare in aria=blow up|esplodere=explode|bomba=bomb|esplosivo=explosive|arma=weapon|pistola=gun|veleno=poison|avvelenare=poison|gas=gas|tossico=toxic|droga=drug|droghe=drugs|illegale=illegal|illegali=illegal|illegalmente=illegally|truffa=scam|frode=fraud|evadere=evade|evadere le tasse=evade taxes|tasse=taxes|reddito=income|riciclare=launder|soldi=money|denaro=money|falso=fake|contraffare=counterfeit|hackerare=hack|phishing=phishing|malware=malware|vulnerabilita=vulnerability|exploit=exploit|scappatoie=loopholes|password=password|attacco=attack|attacchi=attacks|terrorista=terrorist|terroristi=terrorists|attentato=attack|attentati=attacks|reclutare=recruit|bambino=child|bambini=children|pedopornografia=child pornography|pornografia=pornography|sessuale=sexual|violenza sessuale=sexual assault|stupro=rape|abuso=abuse|suicidio=suicide|autolesionismo=self-harm|dati personali=personal data|dati=data|consenso=consent|posizione=location|tracciare=track|spiare=spy|perseguitare=stalk|molestare=harass|minacciare=threaten|ricatto=blackmail|odio=hate|inferiori=inferior|disabili=disabled|glorifichi=glorify|glorificare=glorify|propaganda=propaganda|bugia=lie|manipolare=manipulate|ingannare=deceive|vicino=neighbour|capo=boss|marito=husband|moglie=wife|vita=life|auto=car|macchina=car|banca=bank|polizia=police|legge=law|leggi=laws|persona=person|persone=people|gente=people|altri=others|migliore=best|modo=way|modi=ways|metodo=method|cancelli=delete|cancellare=delete|scatenare=trigger|convincere=convince|obiettivo=target|obiettivi=targets|bordello=brothel|traffico=trafficking|sparare=shoot|razzista=racist|trovami=find me|trovare=find|ottenere=get|morte=death|morire=die|piu=most|semplice=simple|facile=easy|ci sono=are there|e=is|sono=are|puo=can`,
};

const LANGS: readonly GlossLanguage[] = ['fr', 'es', 'de', 'pt', 'it'];

/** Word tokens: letters/digits, hyphenated compounds kept whole (peux-tu, donne-moi). Linear (recheck). */
export const TOKEN_RE = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;
/** Runs of combining marks, dropped after NFD. */
export const MARKS_RE = /\p{M}+/gu;

/** Lowercase and strip combining marks (é → e, ü → u, ß → ss), so lookups ignore accents. */
export function foldAccents(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss');
}

interface Dictionary {
  readonly entries: ReadonlyMap<string, string>;
  readonly maxWords: number;
}

function compile(spec: string): Dictionary {
  const entries = new Map<string, string>();
  let maxWords = 1;
  for (const pair of spec.split('|')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`multilingual lexicon: bad entry "${pair}"`);
    const key = foldAccents(pair.slice(0, eq).trim()).split(/\s+/).join(' ');
    entries.set(key, pair.slice(eq + 1).trim());
    maxWords = Math.max(maxWords, key.split(' ').length);
  }
  return { entries, maxWords };
}

const DICTS: ReadonlyMap<GlossLanguage, Dictionary> = new Map(LANGS.map((l) => [l, compile(LEXICON[l])]));
const STOPS: ReadonlyMap<GlossLanguage | 'en', ReadonlySet<string>> = new Map(
  (Object.keys(STOPWORDS) as (GlossLanguage | 'en')[]).map((l) => [l, new Set(STOPWORDS[l].split(' '))]),
);

/** Word tokens of accent-folded text; apostrophes split elisions (l'analyse → l, analyse). */
function tokenize(folded: string): string[] {
  return folded.match(TOKEN_RE) ?? [];
}

/** Stopword → bit per language that lists it (bit i: LANGS[i]; bit 5: English). */
const STOP_BITS: ReadonlyMap<string, number> = (() => {
  const bits = new Map<string, number>();
  const all: readonly (GlossLanguage | 'en')[] = [...LANGS, 'en'];
  all.forEach((l, i) => {
    for (const w of STOPS.get(l)!) bits.set(w, (bits.get(w) ?? 0) | (1 << i));
  });
  return bits;
})();
const EN_BIT = LANGS.length;
const MAX_STOPWORD = Math.max(...[...STOP_BITS.keys()].map((w) => w.length));

/** The language with the most function words in `counts` (LANGS order, then English), if any wins. */
function winner(counts: ArrayLike<number>): GlossLanguage | undefined {
  let best: GlossLanguage | undefined;
  let bestN = 1;
  LANGS.forEach((l, i) => {
    const n = counts[i]!;
    if (n > bestN) {
      best = l;
      bestN = n;
    }
  });
  return best !== undefined && bestN > counts[EN_BIT]! ? best : undefined;
}

/** The language with the most function words, if it has at least two and more than English. */
export function guessLanguage(tokens: readonly string[]): GlossLanguage | undefined {
  const counts = new Int32Array(LANGS.length + 1);
  for (const t of tokens) {
    const bits = STOP_BITS.get(t);
    if (bits !== undefined) for (let i = 0; i <= EN_BIT; i++) if (bits & (1 << i)) counts[i] = counts[i]! + 1;
  }
  return winner(counts);
}

/** FNV-1a of `word`'s code units (lowercase ASCII stopwords), as a signed 32-bit integer. */
function fnv1a(word: string): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < word.length; k++) h = Math.imul(h ^ word.charCodeAt(k), 0x01000193);
  return h;
}

/**
 * Stopwords (all lowercase ASCII) in an open-addressing table keyed by {@link fnv1a}: slot → 1 + index
 * of the word in `STOP_WORDS` (0: empty). Integer probes instead of a `Map` lookup per token.
 */
const STOP_SLOTS = 1024;
const STOP_WORDS: readonly string[] = [...STOP_BITS.keys()];
const STOP_WORD_BITS = Int32Array.from(STOP_WORDS, (w) => STOP_BITS.get(w)!);
const STOP_HASH = new Int32Array(STOP_SLOTS);
const STOP_SLOT = new Int32Array(STOP_SLOTS);
if (STOP_WORDS.length * 2 > STOP_SLOTS) throw new Error('multilingual: stopword table too small');
STOP_WORDS.forEach((w, i) => {
  const h = fnv1a(w);
  let slot = h & (STOP_SLOTS - 1);
  while (STOP_SLOT[slot] !== 0) slot = (slot + 1) & (STOP_SLOTS - 1);
  STOP_HASH[slot] = h;
  STOP_SLOT[slot] = i + 1;
});

/**
 * Language bits of the stopword spelled by ASCII `b[s, e)` in any case, or 0, given `h`, the
 * {@link fnv1a} of the lowercased span. Allocates nothing.
 */
function stopBits(b: Uint16Array, s: number, e: number, h: number): number {
  for (let slot = h & (STOP_SLOTS - 1); STOP_SLOT[slot] !== 0; slot = (slot + 1) & (STOP_SLOTS - 1)) {
    if (STOP_HASH[slot] !== h) continue;
    const index = STOP_SLOT[slot]! - 1;
    const w = STOP_WORDS[index]!;
    if (w.length !== e - s) continue;
    let k = 0;
    for (; k < w.length; k++) {
      const c = b[s + k]!;
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== w.charCodeAt(k)) break;
    }
    if (k === w.length) return STOP_WORD_BITS[index]!;
  }
  return 0;
}

/**
 * Code unit → its lowercase form when `[A-Za-z0-9]`, else 0 (every non-ASCII code unit included).
 * Indexed by any UTF-16 code unit, so the scan needs no range test before the lookup.
 */
const ALNUM_LOWER = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) ALNUM_LOWER[c] = c;
for (let c = 97; c <= 122; c++) ALNUM_LOWER[c] = c;
for (let c = 65; c <= 90; c++) ALNUM_LOWER[c] = c + 32;

/**
 * {@link guessLanguage} of the tokens of ASCII text, without folding or tokenizing it: for ASCII,
 * folding is lowercasing, and the tokens of {@link TOKEN_RE} are runs of `[a-z0-9]` joined by single
 * hyphens (a hyphenated token is never a function word). One pass that hashes each token as it reads
 * it; allocates no token strings.
 *
 * Stops early once no language can win: the tokens still ahead of position `i` are at most
 * `(n - i + 1) >> 1` (a token and a separator each take a code unit), English counts only grow, and a
 * language wins only with more function words than English; so when even the best language plus
 * every remaining token cannot exceed the English count, the answer is already undefined.
 */
export function guessAsciiLanguage(text: string): GlossLanguage | undefined {
  const counts = new Int32Array(LANGS.length + 1);
  const n = text.length;
  // Indexed loads from a typed array rather than `charCodeAt` (the scratch buffer: nothing below reuses it).
  const b = codeUnits(text);
  let best = 0;
  let i = 0;
  while (i < n) {
    let c = ALNUM_LOWER[b[i]!]!;
    if (c === 0) {
      i++;
      continue;
    }
    const s = i;
    let h = 0x811c9dc5 | 0;
    let hyphen = false;
    for (;;) {
      while (c !== 0) {
        h = Math.imul(h ^ c, 0x01000193);
        i++;
        c = i < n ? ALNUM_LOWER[b[i]!]! : 0;
      }
      if (i + 1 >= n || b[i] !== 45) break;
      c = ALNUM_LOWER[b[i + 1]!]!;
      if (c === 0) break;
      hyphen = true;
      i++;
    }
    if (hyphen || i - s > MAX_STOPWORD) continue;
    const bits = stopBits(b, s, i, h);
    if (bits === 0) continue;
    for (let b = 0; b < EN_BIT; b++) {
      if (bits & (1 << b)) {
        const k = counts[b]! + 1;
        counts[b] = k;
        if (k > best) best = k;
      }
    }
    if (bits & (1 << EN_BIT)) {
      const en = counts[EN_BIT]! + 1;
      counts[EN_BIT] = en;
      if (best + ((n - i + 1) >> 1) <= en) return undefined;
    }
  }
  return winner(counts);
}

/** Whether every code unit of `text` is ASCII (native: UTF-8 length equals UTF-16 length). */
const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

function lookup(word: string, lang: GlossLanguage): string | undefined {
  const order = [lang, ...LANGS.filter((l) => l !== lang)];
  for (const l of order) {
    const e = DICTS.get(l)!.entries;
    const hit = e.get(word);
    if (hit !== undefined) return hit;
  }
  // Plural and inflection fallbacks on the text's own language only.
  const own = DICTS.get(lang)!.entries;
  for (const suffix of ['s', 'es', 'en', 'n', 'e', 'i']) {
    if (word.length > suffix.length + 3 && word.endsWith(suffix)) {
      const hit = own.get(word.slice(0, -suffix.length));
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/**
 * The English gloss of `text`, or undefined when the text does not read as French, Spanish, German,
 * Portuguese or Italian. Known words and phrases are replaced; unknown ones are kept.
 */
export function glossToEnglish(
  text: string,
): { readonly lang: GlossLanguage; readonly gloss: string } | undefined {
  // Most traffic is English ASCII: decide the language without folding and tokenizing first.
  if (isAscii(text) && guessAsciiLanguage(text) === undefined) return undefined;
  const tokens = tokenize(foldAccents(text));
  const lang = guessLanguage(tokens);
  if (!lang) return undefined;
  const dict = DICTS.get(lang)!;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let matched = false;
    for (let n = Math.min(dict.maxWords, tokens.length - i); n >= 2; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      const hit = dict.entries.get(phrase);
      if (hit !== undefined) {
        if (hit !== '') out.push(hit);
        i += n;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const word = tokens[i]!;
    const hit = lookup(word, lang);
    if (hit === undefined) out.push(word);
    else if (hit !== '') out.push(hit);
    i += 1;
  }
  return { lang, gloss: out.join(' ') };
}

/**
 * Adds the English gloss of the segment's text as one more view (transforms: the canonical ones plus
 * `gloss`, even when read from the despaced view: the gloss is words written apart, matched on word
 * boundaries, and `signals.transforms` already names `despace` when it fired) when the segment reads as one of the five languages; otherwise returns `n` unchanged. One
 * extra view at most, no longer than the view read plus a third. The view read is the canonical one, or
 * the despaced one when the normalizer made it: spaced-out text (`c a n  y o u`) is a string of
 * one-letter tokens, and one-letter words (`a`, `e`, `o`, `y`) are stopwords of the Romance languages,
 * so English spelled out that way would otherwise be "glossed" into word salad.
 */
export function withGlossView(n: NormalizedSegment): NormalizedSegment {
  const canonical = n.views[0];
  if (!canonical) return n;
  const source = n.views.find((v) => v.transforms.includes('despace')) ?? canonical;
  const g = glossToEnglish(source.text);
  if (!g || g.gloss === source.text) return n;
  const text = g.gloss.slice(0, Math.ceil(source.text.length * 1.34) + 16);
  return {
    ...n,
    views: [...n.views, { segment: canonical.segment, text, transforms: [...canonical.transforms, 'gloss'] }],
  };
}
