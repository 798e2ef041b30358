/**
 * Function words of English and of the five languages the gloss reads (accents stripped, lower case), one table for
 * the gloss's language guess (detectors/multilingual.ts) and the accent-folded view's English gate (accents.ts).
 */
export const FUNCTION_WORDS: Readonly<Record<'en' | 'fr' | 'es' | 'de' | 'pt' | 'it', string>> = {
  en: 'the a an to of and or is are was were how what why can could should would i you my your for in on at by from with this that it be do does did me not no as if will have has all any so but',
  fr: 'a me le la les de un une des du et est que qui pour dans sur avec pas je tu vous il elle mon ma mes comment quel quelle quels pourquoi au aux ce cette mais puis peux ne se son sa ses nous leur ils sont etre fait tous une sans',
  es: 'a me el la los las de un una unos del y es que para por con en como cual mi mis tu yo se lo al puedo puedes hay mas pero su sus esta este sin muy donde cuando ser',
  de: 'der die das ein eine einen und ist wie ich du nicht mit fur von zu den dem des mein meine meinen kann wer warum auf im sich man es sie er wir einer eines einem dass aus bei nach auch wenn oder aber zum zur beim gibt',
  pt: 'a me o os de um uma da dos das e que para com em como qual meu minha voce eu nao na posso pode ao sobre do no se sua seu sem mais isso aos pelo pela',
  it: 'a il lo la gli le un una di del della e che per con come quale mio mia io non nel nella posso puoi sono al alla si ci dei delle degli questo questa anche piu senza sul ad',
};
