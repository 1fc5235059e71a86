#ifndef CXMLSHIM_H
#define CXMLSHIM_H

/*
 * libxml2's pull reader (xmlTextReader), loaded on first use. DESIGN: AWS answers in XML (query,
 * ec2, rest-xml and their errors) are read here, not with FoundationXML's XMLParser, nor with
 * XMLCoder or SWXMLHash, which on Linux are all built on that XMLParser: FoundationXML links
 * libxml2, and with it the system ICU (30 MB of data), zlib and liblzma, so every start of the
 * process loaded five libraries that a run without an XML answer never uses (BENCHMARKS.md,
 * "Cold start"). As with libcurl (CCurlShim), the binary does not link libxml2: cxml_load()
 * opens it with dlopen at the first XML answer.
 *
 * No libxml2 header is included, so building needs no libxml2-dev: the few functions and
 * constants below are declared from libxml2 2.9's xmlreader.h and parser.h (Debian 12). Later
 * releases keep this part of the reader API under the soname libxml2.so.2, then libxml2.so.16
 * (package libxml2-16); only 2.9 was tried here, and a missing function is named by cxml_load.
 *
 * The answer is untrusted, so the reader is opened with XML_PARSE_NONET only: no network, no
 * entity substitution (no XML_PARSE_NOENT), no external subset or default attributes from a DTD
 * (no XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR), and libxml2's own limits kept (no XML_PARSE_HUGE).
 * AWSXMLNode also refuses any document with a DOCTYPE, and caps depth, nodes and text.
 */

#include <stddef.h>

/* The sonames cxml_load tries, in order: libxml2 2.9 to 2.13, then 2.14 and later. */
#define CXML_LIBRARY "libxml2.so.2"
#define CXML_LIBRARY_16 "libxml2.so.16"

/* xmlReaderTypes of xmlreader.h: the node kinds the reader stops at. */
enum {
    CXML_ELEMENT = 1,
    CXML_TEXT = 3,
    CXML_CDATA = 4,
    CXML_ENTITY_REFERENCE = 5,
    CXML_DOCUMENT_TYPE = 10,
    CXML_WHITESPACE = 13,
    CXML_SIGNIFICANT_WHITESPACE = 14,
    CXML_END_ELEMENT = 15,
};

/*
 * Opens libxml2 and binds its functions, once per process; safe from any thread. NULL when
 * libxml2 is ready, else why it is not, naming the package to install (the same text on every call).
 */
const char *cxml_load(void);

/* One document being read: libxml2's reader and the first error it reported. */
typedef struct cxml_reader cxml_reader;

/* A reader over `size` bytes, which must outlive it; NULL if libxml2 could not allocate one. */
cxml_reader *cxml_reader_open(const char *bytes, int size);
void cxml_reader_free(cxml_reader *reader);

/* Moves to the next node: 1 when there is one, 0 at the end of the document, -1 on an error. */
int cxml_reader_read(cxml_reader *reader);
int cxml_reader_node_type(cxml_reader *reader);
/* 1 for an element written as <a/>, which has no END_ELEMENT node. */
int cxml_reader_is_empty_element(cxml_reader *reader);
/* The qualified name (prefix:local) of the current node, or of the attribute moved to. */
const char *cxml_reader_name(cxml_reader *reader);
/* The text of a text, CDATA or whitespace node, or an attribute's value; NULL for others. */
const char *cxml_reader_value(cxml_reader *reader);
/* Moves to the element's next attribute (namespace declarations included): 1, 0 at the last, -1 on an error. */
int cxml_reader_next_attribute(cxml_reader *reader);
/* Back from the attributes to their element. */
void cxml_reader_to_element(cxml_reader *reader);
/* The first error libxml2 reported, with its line, or NULL when it reported none. */
const char *cxml_reader_error(cxml_reader *reader);

#endif
