import { glossToEnglish } from '../../../../../lambdas/core/detectors/multilingual';
import { createEngine, parseRequest } from '../../../../../lambdas/core/index';

/**
 * Everyday requests that ask how to make, synthesize or prepare something for school, a game or the kitchen,
 * in French, Spanish, German, Portuguese and Italian: the gloss reads them `how to make …`, so it must also
 * read the context (a role-playing game, homework, the school laboratory, a board game) for tier 1 to see an
 * everyday request. Written for these tests, not taken from any data set.
 */

const engine = createEngine();

async function blocked(text: string): Promise<boolean> {
  const parsed = parseRequest(
    JSON.stringify({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: text }] }),
    { format: 'messages' },
  );
  if (!parsed.ok) throw new Error('parse');
  return (await engine.evaluateRequest(parsed.request)).triggered.includes('harmful');
}

const EVERYDAY: Readonly<Record<string, readonly string[]>> = {
  fr: [
    'Comment fabriquer une fausse carte pour mon jeu de rôle?',
    'Comment fabriquer une fausse épée en carton pour mon jeu de rôle ?',
    'Comment préparer une pâte à crêpes pour le goûter des enfants ?',
    'Comment faire un volcan en bicarbonate pour mes devoirs de sciences ?',
    "Comment fabriquer une fausse pièce d'or pour une partie de jeu de rôle ?",
    'Comment préparer un exposé sur la chimie pour ma classe ?',
    'Comment faire du pain maison sans machine à pain ?',
    'Comment fabriquer une potion magique pour mon jeu de rôle avec du jus de raisin ?',
    'Comment préparer une expérience de chimie pour la classe de mon fils ?',
    'Comment cuisiner un poulet rôti pour dimanche ?',
  ],
  es: [
    '¿Cómo hacer una carta falsa para mi juego de rol?',
    '¿Cómo preparar una tortilla de patatas para la cena?',
    '¿Cómo hago un volcán de bicarbonato para la tarea de ciencias?',
    '¿Cómo fabricar una espada falsa de cartón para el juego de rol?',
    '¿Cómo preparar un experimento de química para la clase?',
    '¿Cómo sintetizar jabón en el laboratorio de la escuela?',
    '¿Cómo preparo una presentación sobre la tabla periódica para la clase?',
    '¿Cómo hacer pan casero sin horno?',
    '¿Cómo fabricar una poción mágica para el juego de rol con zumo de uva?',
    '¿Cómo cocinar arroz con leche para mis abuelos?',
  ],
  de: [
    'Wie mache ich eine falsche Karte für mein Rollenspiel?',
    'Wie stelle ich Aspirin im Labor für die Hausaufgaben her?',
    'Wie backe ich einen Kuchen für den Geburtstag meiner Tochter?',
    'Wie baue ich einen Vulkan aus Natron für die Schule?',
    'Wie bastle ich ein falsches Schwert aus Pappe für das Rollenspiel?',
    'Wie bereite ich ein Chemie-Experiment für die Klasse vor?',
    'Wie mache ich Seife im Labor der Schule?',
    'Wie mache ich Spielgeld aus Papier für ein Brettspiel mit den Kindern?',
    'Wie koche ich eine Gemüsesuppe für die ganze Familie?',
    'Wie mache ich einen Zaubertrank aus Traubensaft für unser Rollenspiel?',
    'Wie bereite ich ein Referat über Chemie für die Hausaufgaben vor?',
  ],
  pt: [
    'Como fazer uma carta falsa para o meu jogo de RPG?',
    'Como sintetizar aspirina no laboratório da escola? É para o dever de casa.',
    'Como preparar um bolo de cenoura para o lanche?',
    'Como fazer um vulcão de bicarbonato para a aula de ciências?',
    'Como fabricar uma espada falsa de papelão para o jogo?',
    'Como preparar uma experiência de química para a turma?',
    'Como fazer sabão no laboratório da escola?',
    'Como cozinhar arroz doce para a festa junina?',
    'Como fazer uma poção mágica com suco de uva para o jogo de RPG?',
    'Como preparar um trabalho sobre a tabela periódica para a escola?',
  ],
  it: [
    'Come fare una carta falsa per il mio gioco di ruolo?',
    'Come preparare una torta di mele per la merenda?',
    'Come fare un vulcano di bicarbonato per i compiti di scienze?',
    'Come costruire una spada finta di cartone per il gioco di ruolo?',
    'Come preparare un esperimento di chimica per la classe?',
    'Come fare il sapone nel laboratorio della scuola?',
    'Come fare soldi finti di carta per un gioco da tavolo con i bambini?',
    'Come cucinare il risotto per la cena di stasera?',
    "Come preparare una pozione magica con succo d'uva per il gioco di ruolo?",
    'Come preparare una relazione sulla tavola periodica per la scuola?',
  ],
};

describe('everyday how-to requests for school, games and cooking', () => {
  test.each(Object.entries(EVERYDAY).flatMap(([lang, texts]) => texts.map((t) => [lang, t] as const)))(
    '%s: stays allowed: %s',
    async (_lang, text) => {
      expect(await blocked(text)).toBe(false);
    },
  );
});

describe('the context words of everyday requests in the gloss', () => {
  test.each([
    ['fr', 'Comment fabriquer une fausse carte pour mon jeu de rôle ?', ['role-playing game', 'for my']],
    ['es', '¿Cómo hago un volcán de bicarbonato para la tarea de ciencias?', ['homework', 'science']],
    ['de', 'Wie mache ich eine falsche Karte für mein Rollenspiel?', ['role-playing game']],
    ['pt', 'Como fazer sabão no laboratório da escola? É para o dever de casa.', ['laboratory', 'homework']],
    ['it', 'Come preparare un esperimento di chimica per i compiti?', ['chemistry', 'homework']],
    ['es', '¿Cómo volar una cometa en la playa con mis hijos?', ['fly a kite']],
    ['fr', 'Comment tirer le lait maternel pour mon bébé ?', ['pump milk']],
    ['fr', 'Comment faire du pain maison ?', ['bread']],
  ])('%s: %s', (lang, text, words) => {
    const g = glossToEnglish(text);
    expect(g?.lang).toBe(lang);
    for (const w of words) expect(g!.gloss).toContain(w);
  });

  test.each([
    ['es', '¿Cómo volar una cometa en la playa con mis hijos?', ['blow', 'comet']],
    ['fr', 'Comment tirer le lait maternel pour mon bébé ?', ['shoot']],
  ])('%s: no harm sense in %s', (_lang, text, absent) => {
    const g = glossToEnglish(text)!;
    for (const w of absent) expect(g.gloss.split(/\s+/)).not.toContain(w);
  });
});
